package io.swapgate.gateway.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.constrain.Grammar;
import io.swapgate.proto.v1.ResponseFormat;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiles requests' response formats to grammars, keeping the recently used ones: a client sends the same schema
 * again and again, and compiling one costs far more than a step. Compiling runs at admission, off the event loop.
 */
@ApplicationScoped
public class Grammars {

    /** Longest schema or pattern text accepted: enough for any extraction schema, small enough to compile quickly. */
    static final int MAX_SOURCE_CHARS = 32 * 1024;

    private static final int KEPT = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Grammar> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Grammar> eldest) {
            return size() > KEPT;
        }
    };

    /** The grammar of {@code format}, or null when it asks for free text. */
    public Grammar of(ResponseFormat format) {
        return switch (format.getFormatCase()) {
            case FORMAT_NOT_SET -> null;
            case JSON_OBJECT -> format.getJsonObject() ? cached("json_object", "", Grammar::jsonObject) : null;
            case REGEX -> cached("regex", format.getRegex(), () -> Grammar.regex(format.getRegex()));
            case JSON_SCHEMA -> cached("json_schema", format.getJsonSchema(), () -> schema(format.getJsonSchema()));
        };
    }

    private static Grammar schema(String text) {
        try {
            return Grammar.jsonSchema(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "response_format.json_schema is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private Grammar cached(String kind, String source, java.util.function.Supplier<Grammar> compile) {
        if (source.length() > MAX_SOURCE_CHARS) {
            throw new IllegalArgumentException("response_format." + kind + " is " + source.length()
                    + " characters, more than " + MAX_SOURCE_CHARS);
        }
        String key = kind + "\n" + source;
        synchronized (compiled) {
            Grammar known = compiled.get(key);
            if (known != null) {
                return known;
            }
        }
        Grammar grammar = compile.get();
        synchronized (compiled) {
            compiled.put(key, grammar);
        }
        return grammar;
    }
}
