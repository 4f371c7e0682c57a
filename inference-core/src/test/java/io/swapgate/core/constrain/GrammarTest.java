package io.swapgate.core.constrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Grammars accept exactly the texts their pattern or schema allows, and refuse what they cannot enforce by name. */
class GrammarTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A person: required name, age and tags, an optional nickname; shared with ConstrainedGenerationTest. */
    static final String PERSON = """
            {"type": "object",
             "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 10},
               "age": {"type": "integer", "minimum": 0},
               "tags": {"type": "array", "items": {"enum": ["kind", "brave"]}, "maxItems": 2},
               "nickname": {"type": ["string", "null"], "maxLength": 5}
             },
             "required": ["name", "age", "tags"],
             "additionalProperties": false}
            """;

    @Test
    void aRegexMatchesWholeTexts() {
        Grammar g = Grammar.regex("^[a-z]{2,3}\\d(-(x|yz))?$");
        for (String ok : new String[] {"ab1", "abc2", "ab1-x", "ab1-yz"}) {
            assertTrue(matches(g, ok), ok);
        }
        for (String bad : new String[] {"a1", "abcd1", "ab1-", "ab1-y", "AB1", "ab12"}) {
            assertFalse(matches(g, bad), bad);
        }
        Grammar any = Grammar.regex("[^\"]+\\.");
        assertTrue(matches(any, "héllo wörld."), "non-ASCII characters through a negated class");
        assertFalse(matches(any, "say \"hi\"."));
        assertFalse(
                any.matches(new byte[] {(byte) 0xC3, '.'}), "a broken UTF-8 sequence is never part of the language");
    }

    @Test
    void aRegexItCannotEnforceIsRefusedNamingTheConstruct() {
        assertRefused("backreferences", () -> Grammar.regex("(a)\\1"));
        assertRefused("lookaround", () -> Grammar.regex("a(?=b)"));
        assertRefused("word boundaries", () -> Grammar.regex("\\bword"));
        assertRefused("lazy or possessive", () -> Grammar.regex("a*?"));
        assertRefused("counts up to 1000", () -> Grammar.regex("a{5000}"));
    }

    @Test
    void aShortPatternWhoseAutomatonExplodesIsRefusedWithinTheCompileBudget() {
        // Repetitions of repetitions: each DFA state holds thousands of NFA states. Unbounded, this filled a 2 GB heap.
        assertRefused("too complex", () -> Grammar.regex("(a{0,200}|b{0,200}){0,50}"));
        assertRefused("too large", () -> Grammar.regex("(.{0,40}a){0,40}"));
        Grammar bounded = Grammar.regex("([0-9a-f]{0,50},){0,300}");
        assertTrue(bounded.matches("ab,0f,".getBytes(StandardCharsets.UTF_8)));
        assertTrue(bounded.retainedBytes() >= (long) bounded.states() * 256 * Integer.BYTES);
    }

    @Test
    void aSchemaAcceptsValidDocumentsInPropertyOrder() {
        Grammar g = Grammar.jsonSchema(json(PERSON));
        for (String ok : new String[] {
            "{\"name\":\"Mia\",\"age\":7,\"tags\":[\"kind\"]}",
            "{\"name\": \"Mia\", \"age\": 0, \"tags\": [], \"nickname\": null}",
            "{\"name\":\"A\\\"b\",\"age\":12,\"tags\":[\"kind\",\"brave\"],\"nickname\":\"Mi\"}"
        }) {
            assertTrue(matches(g, ok), ok);
            assertTrue(json(ok).isObject());
        }
        for (String bad : new String[] {
            "{\"name\":\"Mia\",\"age\":7}", // a required property missing
            "{\"age\":7,\"name\":\"Mia\",\"tags\":[]}", // out of order
            "{\"name\":\"Mia\",\"age\":7,\"tags\":[],\"extra\":1}", // not declared
            "{\"name\":\"Mia\",\"age\":-7,\"tags\":[]}", // minimum 0
            "{\"name\":\"Mia\",\"age\":07,\"tags\":[]}", // not JSON
            "{\"name\":\"\",\"age\":7,\"tags\":[]}", // minLength 1
            "{\"name\":\"Mia\",\"age\":7,\"tags\":[\"kind\",\"kind\",\"kind\"]}", // maxItems 2
            "{\"name\":\"Mia\",\"age\":7,\"tags\":[\"mean\"]}", // not in the enum
            "{\"name\":\"Mia\",\"age\":7,\"tags\":[]} " // nothing after the document
        }) {
            assertFalse(matches(g, bad), bad);
        }
    }

    @Test
    void definitionsAndAlternativesAreFollowed() {
        Grammar g = Grammar.jsonSchema(json("""
                {"$defs": {"point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
                 "anyOf": [{"$ref": "#/$defs/point"}, {"type": "boolean"}, {"const": "none"}]}
                """));
        for (String ok : new String[] {"{\"x\":1.5e3}", "{\"x\":-0.25}", "true", "\"none\""}) {
            assertTrue(matches(g, ok), ok);
        }
        assertFalse(matches(g, "{\"x\":1.}"));
        assertFalse(matches(g, "\"some\""));
    }

    @Test
    void anyJsonObjectIsAcceptedToTheNestingLimit() {
        Grammar g = Grammar.jsonObject();
        assertTrue(matches(g, "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}"));
        assertTrue(matches(g, "{}"));
        assertFalse(matches(g, "[1]"), "an object, not any value");
        assertTrue(matches(g, "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}"), "3 levels inside the outermost object");
        assertFalse(
                matches(g, "{\"a\":{\"b\":{\"c\":{\"d\":[1]}}}}"),
                "more than " + JsonSchemaGrammar.MAX_GENERIC_DEPTH + " levels inside it");
    }

    @Test
    void aSchemaItCannotEnforceIsRefusedNamingTheKeyword() {
        assertRefused("'format'", () -> Grammar.jsonSchema(json("{\"type\":\"string\",\"format\":\"email\"}")));
        assertRefused("minimum other than 0", () -> Grammar.jsonSchema(json("{\"type\":\"integer\",\"minimum\":5}")));
        assertRefused(
                "'patternProperties'",
                () -> Grammar.jsonSchema(json("{\"type\":\"object\",\"patternProperties\":{}}")));
        assertRefused(
                "recursive $ref",
                () -> Grammar.jsonSchema(json("{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"next\":"
                        + "{\"$ref\":\"#/$defs/n\"}}}},\"$ref\":\"#/$defs/n\"}")));
        assertRefused(
                "additionalProperties other than false",
                () -> Grammar.jsonSchema(
                        json("{\"type\":\"object\",\"properties\":{\"a\":{}}," + "\"additionalProperties\":true}")));
    }

    private static boolean matches(Grammar grammar, String text) {
        return grammar.matches(text.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertRefused(String named, org.junit.jupiter.api.function.Executable compile) {
        ConstraintException e = assertThrows(ConstraintException.class, compile);
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertEquals(ConstraintException.class, e.getClass());
    }
}
