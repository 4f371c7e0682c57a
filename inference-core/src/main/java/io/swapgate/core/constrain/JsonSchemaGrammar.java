package io.swapgate.core.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the automaton of the JSON texts a JSON Schema accepts, written compactly (no whitespace but one optional space
 * after {@code :} and {@code ,}). Enforced: {@code type} (one or a list), {@code properties} in their declared order
 * with {@code required} (others may be left out) and no other keys, {@code items}, {@code minItems} and
 * {@code maxItems}, {@code enum}, {@code const}, {@code anyOf} and {@code oneOf} (as alternatives: oneOf's exclusivity
 * is not checked), {@code $ref} into {@code $defs} or {@code definitions} (not recursive), strings' {@code minLength},
 * {@code maxLength} and {@code pattern} (its characters emitted as they are, so it should not admit quotes or
 * backslashes), and {@code minimum: 0} on integers and numbers. Annotations (title, description, default, examples)
 * are ignored. Anything else that constrains values is refused, naming the keyword: a schema is never enforced only in
 * part.
 */
final class JsonSchemaGrammar {

    /** Objects and arrays nested inside a schema-less value ({@code {}} or {@code json_object}), levels below it. */
    static final int MAX_GENERIC_DEPTH = 3;

    /** Digits an integer or a number part may have: a bound keeps every automaton finite and small. */
    private static final int MAX_DIGITS = 15;

    private static final int MAX_REF_DEPTH = 16;

    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "default",
            "examples",
            "$schema",
            "$id",
            "$comment",
            "deprecated",
            "readOnly",
            "writeOnly",
            "$defs",
            "definitions",
            "name",
            "strict");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteNfa nfa;
    private final JsonNode root;
    private final List<String> refsInProgress = new ArrayList<>();

    JsonSchemaGrammar(ByteNfa nfa, JsonNode root) {
        this.nfa = nfa;
        this.root = root;
        if (root == null || !root.isObject()) {
            throw refuse("the schema must be a JSON object");
        }
    }

    ByteNfa.Fragment build() {
        return value(root, "#");
    }

    /** Any JSON object, nested up to {@link #MAX_GENERIC_DEPTH}. */
    static ByteNfa.Fragment anyObject(ByteNfa nfa) {
        return new JsonSchemaGrammar(nfa, JSON.createObjectNode()).genericObject(MAX_GENERIC_DEPTH);
    }

    private ByteNfa.Fragment value(JsonNode schema, String path) {
        if (schema.isBoolean()) {
            if (!schema.asBoolean()) {
                throw refuse(path + ": the schema false accepts nothing");
            }
            return genericValue(MAX_GENERIC_DEPTH);
        }
        if (!schema.isObject()) {
            throw refuse(path + ": a schema must be an object or a boolean");
        }
        checkKeywords(schema, path);
        if (schema.has("$ref")) {
            return reference(schema.get("$ref").asText(), path);
        }
        if (schema.has("const")) {
            return jsonLiteral(schema.get("const"));
        }
        if (schema.has("enum")) {
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw refuse(path + ": enum must be a non-empty array");
            }
            List<ByteNfa.Fragment> options = new ArrayList<>();
            values.forEach(v -> options.add(jsonLiteral(v)));
            return nfa.alternatives(options);
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (schema.has(combinator)) {
                List<ByteNfa.Fragment> options = new ArrayList<>();
                int i = 0;
                for (JsonNode option : schema.get(combinator)) {
                    options.add(value(option, path + "/" + combinator + "/" + i++));
                }
                if (options.isEmpty()) {
                    throw refuse(path + ": " + combinator + " must list schemas");
                }
                return nfa.alternatives(options);
            }
        }
        JsonNode type = schema.get("type");
        if (type == null) {
            if (schema.has("properties")) {
                return object(schema, path);
            }
            if (schema.has("items")) {
                return array(schema, path);
            }
            return genericValue(MAX_GENERIC_DEPTH);
        }
        if (type.isArray()) {
            List<ByteNfa.Fragment> options = new ArrayList<>();
            type.forEach(t -> options.add(typed(t.asText(), schema, path)));
            return nfa.alternatives(options);
        }
        return typed(type.asText(), schema, path);
    }

    private ByteNfa.Fragment typed(String type, JsonNode schema, String path) {
        return switch (type) {
            case "object" -> object(schema, path);
            case "array" -> array(schema, path);
            case "string" -> string(schema, path);
            case "integer" -> integerDigits(schema.has("minimum")).build(nfa);
            case "number" -> number(schema.has("minimum"));
            case "boolean" -> nfa.alternatives(List.of(nfa.literal("true"), nfa.literal("false")));
            case "null" -> nfa.literal("null");
            default -> throw refuse(path + ": unknown type '" + type + "'");
        };
    }

    /** Keywords that constrain values but are not enforced here are refused rather than ignored. */
    private void checkKeywords(JsonNode schema, String path) {
        Set<String> enforced = Set.of(
                "type",
                "properties",
                "required",
                "additionalProperties",
                "items",
                "minItems",
                "maxItems",
                "enum",
                "const",
                "anyOf",
                "oneOf",
                "$ref",
                "minLength",
                "maxLength",
                "pattern",
                "minimum");
        Iterator<String> names = schema.fieldNames();
        while (names.hasNext()) {
            String keyword = names.next();
            if (!enforced.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                throw refuse(path + ": the keyword '" + keyword + "' cannot be enforced");
            }
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !(additional.isBoolean() && !additional.asBoolean()) && schema.has("properties")) {
            throw refuse(path + ": additionalProperties other than false alongside properties cannot be enforced");
        }
        JsonNode minimum = schema.get("minimum");
        if (minimum != null && !(minimum.isNumber() && minimum.asDouble() == 0)) {
            throw refuse(path + ": minimum other than 0 cannot be enforced");
        }
    }

    private ByteNfa.Fragment reference(String ref, String path) {
        String name;
        JsonNode target;
        if (ref.startsWith("#/$defs/")) {
            name = ref.substring("#/$defs/".length());
            target = root.path("$defs").get(name);
        } else if (ref.startsWith("#/definitions/")) {
            name = ref.substring("#/definitions/".length());
            target = root.path("definitions").get(name);
        } else if (ref.equals("#")) {
            throw refuse(path + ": recursive $ref '#' cannot be enforced");
        } else {
            throw refuse(path + ": $ref '" + ref + "' (only #/$defs/NAME and #/definitions/NAME)");
        }
        if (target == null) {
            throw refuse(path + ": $ref '" + ref + "' names no definition");
        }
        if (refsInProgress.contains(ref) || refsInProgress.size() >= MAX_REF_DEPTH) {
            throw refuse(path + ": recursive $ref '" + ref + "' cannot be enforced");
        }
        refsInProgress.add(ref);
        try {
            return value(target, ref);
        } finally {
            refsInProgress.remove(refsInProgress.size() - 1);
        }
    }

    /**
     * An object with the declared properties in order; those not required may be left out. After property k the next
     * may be any later one up to the first required, so each state "after property k" is built once and shared.
     */
    private ByteNfa.Fragment object(JsonNode schema, String path) {
        JsonNode properties = schema.get("properties");
        if (properties == null || properties.isEmpty()) {
            if (schema.has("additionalProperties")
                    && !schema.get("additionalProperties").asBoolean(true)) {
                return nfa.literal("{}");
            }
            return genericObject(MAX_GENERIC_DEPTH);
        }
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(properties.properties());
        for (String name : required) {
            if (!properties.has(name)) {
                throw refuse(path + ": required property '" + name + "' is not among the properties");
            }
        }
        int n = entries.size();
        int open = nfa.newState();
        int close = nfa.newState();
        int end = nfa.newState();
        nfa.addRange(close, '}', '}', end);
        // after[k]: the state after property k has been written (k = -1: after the opening brace).
        int[] after = new int[n + 1];
        for (int k = 0; k <= n; k++) {
            after[k] = nfa.newState();
        }
        nfa.addRange(open, '{', '{', after[n]); // after[n] stands for "nothing written yet"
        for (int k = -1; k < n; k++) {
            int from = k < 0 ? after[n] : after[k];
            boolean requiredLeft = false;
            for (int j = k + 1; j < n && !requiredLeft; j++) {
                ByteNfa.Fragment member = member(entries.get(j), path);
                ByteNfa.Fragment lead = k < 0 ? member : nfa.sequence(separator(','), member);
                nfa.addEpsilon(from, lead.start());
                nfa.addEpsilon(lead.end(), after[j]);
                requiredLeft = required.contains(entries.get(j).getKey());
            }
            if (!requiredLeft && (k >= 0 || required.isEmpty())) {
                nfa.addEpsilon(from, close);
            }
        }
        return new ByteNfa.Fragment(open, end);
    }

    private ByteNfa.Fragment member(Map.Entry<String, JsonNode> entry, String path) {
        return nfa.sequence(
                jsonLiteral(JSON.getNodeFactory().textNode(entry.getKey())),
                separator(':'),
                value(entry.getValue(), path + "/properties/" + entry.getKey()));
    }

    /** A structural character and one optional space after it. */
    private ByteNfa.Fragment separator(char c) {
        return nfa.sequence(nfa.literal(String.valueOf(c)), nfa.optional(nfa.literal(" ")));
    }

    private ByteNfa.Fragment array(JsonNode schema, String path) {
        if (schema.has("prefixItems")) {
            throw refuse(path + ": prefixItems cannot be enforced");
        }
        int min = schema.path("minItems").asInt(0);
        int max = schema.has("maxItems") ? schema.get("maxItems").asInt() : -1;
        if (min < 0 || min > Pattern.MAX_REPEAT || max > Pattern.MAX_REPEAT || (max >= 0 && max < min)) {
            throw refuse(path + ": minItems and maxItems must be 0 to " + Pattern.MAX_REPEAT + ", min <= max");
        }
        JsonNode items = schema.has("items") ? schema.get("items") : JSON.createObjectNode();
        Pattern item = new Built(() -> value(items, path + "/items"));
        Pattern rest = new Pattern.Repeat(
                new Pattern.Sequence(List.of(new Built(() -> separator(',')), item)),
                Math.max(0, min - 1),
                max < 0 ? -1 : Math.max(0, max - 1));
        Pattern nonEmpty = new Pattern.Sequence(List.of(item, rest));
        Pattern body = min == 0 ? new Pattern.Repeat(nonEmpty, 0, max == 0 ? 0 : 1) : nonEmpty;
        return nfa.sequence(nfa.literal("["), body.build(nfa), nfa.literal("]"));
    }

    private ByteNfa.Fragment string(JsonNode schema, String path) {
        int min = schema.path("minLength").asInt(0);
        int max = schema.has("maxLength") ? schema.get("maxLength").asInt() : -1;
        if (min < 0 || min > Pattern.MAX_REPEAT || max > Pattern.MAX_REPEAT || (max >= 0 && max < min)) {
            throw refuse(path + ": minLength and maxLength must be 0 to " + Pattern.MAX_REPEAT + ", min <= max");
        }
        ByteNfa.Fragment content;
        if (schema.has("pattern")) {
            if (schema.has("minLength") || schema.has("maxLength")) {
                throw refuse(path + ": pattern together with minLength or maxLength cannot be enforced");
            }
            content = Pattern.parse(schema.get("pattern").asText()).build(nfa);
        } else {
            content = new Pattern.Repeat(new Built(this::stringCharacter), min, max).build(nfa);
        }
        return nfa.sequence(nfa.literal("\""), content, nfa.literal("\""));
    }

    /** One character of a JSON string: unescaped (not a quote, backslash or control character) or an escape. */
    private ByteNfa.Fragment stringCharacter() {
        ByteNfa.Fragment plain = nfa.anyCharacterExcept(0, 0x1F, '"', '"', '\\', '\\');
        ByteNfa.Fragment simpleEscape = nfa.sequence(
                nfa.literal("\\"),
                nfa.byteClass('"', '"', '\\', '\\', '/', '/', 'b', 'b', 'f', 'f', 'n', 'n', 'r', 'r', 't', 't'));
        List<ByteNfa.Fragment> hex = new ArrayList<>();
        hex.add(nfa.literal("\\u"));
        for (int i = 0; i < 4; i++) {
            hex.add(nfa.byteClass('0', '9', 'a', 'f', 'A', 'F'));
        }
        return nfa.alternatives(List.of(plain, simpleEscape, nfa.sequence(hex)));
    }

    private static Pattern integerDigits(boolean nonNegative) {
        Pattern digits = new Pattern.Choice(List.of(
                Pattern.text("0"),
                new Pattern.Sequence(List.of(
                        new Pattern.Chars(new int[] {'1', '9'}, false),
                        new Pattern.Repeat(new Pattern.Chars(new int[] {'0', '9'}, false), 0, MAX_DIGITS - 1)))));
        return nonNegative
                ? digits
                : new Pattern.Sequence(List.of(new Pattern.Repeat(Pattern.text("-"), 0, 1), digits));
    }

    private ByteNfa.Fragment number(boolean nonNegative) {
        Pattern digit = new Pattern.Chars(new int[] {'0', '9'}, false);
        Pattern fraction = new Pattern.Sequence(List.of(Pattern.text("."), new Pattern.Repeat(digit, 1, MAX_DIGITS)));
        Pattern exponent = new Pattern.Sequence(List.of(
                new Pattern.Chars(new int[] {'E', 'E', 'e', 'e'}, false),
                new Pattern.Repeat(new Pattern.Chars(new int[] {'+', '+', '-', '-'}, false), 0, 1),
                new Pattern.Repeat(digit, 1, 3)));
        return new Pattern.Sequence(List.of(
                        integerDigits(nonNegative),
                        new Pattern.Repeat(fraction, 0, 1),
                        new Pattern.Repeat(exponent, 0, 1)))
                .build(nfa);
    }

    /** Exactly this JSON value, written compactly. */
    private ByteNfa.Fragment jsonLiteral(JsonNode value) {
        try {
            return nfa.literal(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw refuse("a value that cannot be written as JSON");
        }
    }

    private ByteNfa.Fragment genericValue(int depth) {
        List<ByteNfa.Fragment> options = new ArrayList<>(List.of(
                string(JSON.createObjectNode(), "#"),
                number(false),
                nfa.literal("true"),
                nfa.literal("false"),
                nfa.literal("null")));
        if (depth > 0) {
            options.add(genericObject(depth - 1));
            options.add(genericArray(depth - 1));
        }
        return nfa.alternatives(options);
    }

    private ByteNfa.Fragment genericObject(int depth) {
        Pattern member = new Pattern.Sequence(List.of(
                new Built(() -> string(JSON.createObjectNode(), "#")),
                new Built(() -> separator(':')),
                new Built(() -> genericValue(depth))));
        return list('{', member, '}');
    }

    private ByteNfa.Fragment genericArray(int depth) {
        return list('[', new Built(() -> genericValue(depth)), ']');
    }

    /** open, then zero or more {@code element}s separated by commas, then close. */
    private ByteNfa.Fragment list(char open, Pattern element, char close) {
        Pattern more =
                new Pattern.Repeat(new Pattern.Sequence(List.of(new Built(() -> separator(',')), element)), 0, -1);
        Pattern body = new Pattern.Repeat(new Pattern.Sequence(List.of(element, more)), 0, 1);
        return nfa.sequence(nfa.literal(String.valueOf(open)), body.build(nfa), nfa.literal(String.valueOf(close)));
    }

    private static ConstraintException refuse(String problem) {
        return new ConstraintException("the JSON schema cannot be enforced: " + problem);
    }

    /** A fragment built by code here, usable wherever a pattern is (repetitions build it as often as needed). */
    private record Built(java.util.function.Supplier<ByteNfa.Fragment> builder) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            return builder.get();
        }
    }
}
