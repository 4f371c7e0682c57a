package io.swapgate.gateway.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.constrain.Grammar;
import io.swapgate.gateway.tenancy.QuotaExceededException;
import io.swapgate.proto.v1.ResponseFormat;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Compiles requests' response formats to grammars, keeping the recently used ones: a client sends the same schema
 * again and again, and compiling one costs far more than a step. Compiling runs at admission, off the event loop, and
 * each compilation is bounded by {@link Grammar}'s own budget.
 *
 * <p>Kept grammars are counted by the memory their automata hold, {@value #KEPT_BYTES} bytes in all. Each tenant has
 * its own entries: a tenant never gets another's compiled grammar (whose speed would tell it what the other sent), and
 * when the budget is full the tenant holding the most gives up its least recently used grammar, so a tenant sending
 * large schemas evicts its own before anyone else's.
 *
 * <p>A tenant compiles at most {@value #COMPILES_PER_TENANT} different texts at once (each can take a core for a
 * fraction of a second); more are refused with RESOURCE_EXHAUSTED and a retry hint. Requests with a text already being
 * compiled wait for that compilation instead of starting their own.
 */
@ApplicationScoped
public class Grammars {

    /** Longest schema or pattern text accepted: enough for any extraction schema, small enough to compile quickly. */
    static final int MAX_SOURCE_CHARS = 32 * 1024;

    static final long KEPT_BYTES = 64L << 20;

    static final int COMPILES_PER_TENANT = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long keptBytes;
    /** Per tenant, its grammars in access order, and the bytes they hold. Guarded by itself. */
    private final Map<String, Held> byTenant = new HashMap<>();

    private long heldBytes;
    /** Compilations under way, by tenant and text, and how many each tenant runs. Guarded by {@link #byTenant}. */
    private final Map<String, java.util.concurrent.CompletableFuture<Grammar>> compiling = new HashMap<>();

    private final Map<String, Integer> compilingByTenant = new HashMap<>();

    public Grammars() {
        this(KEPT_BYTES);
    }

    Grammars(long keptBytes) {
        this.keptBytes = keptBytes;
    }

    /** One tenant's kept grammars. */
    private static final class Held {
        final LinkedHashMap<String, Grammar> grammars = new LinkedHashMap<>(16, 0.75f, true);
        long bytes;
    }

    /** The grammar of {@code format} for {@code tenant}'s request, or null when it asks for free text. */
    public Grammar of(String tenant, ResponseFormat format) {
        return switch (format.getFormatCase()) {
            case FORMAT_NOT_SET -> null;
            case JSON_OBJECT -> format.getJsonObject() ? cached(tenant, "json_object", "", Grammar::jsonObject) : null;
            case REGEX -> cached(tenant, "regex", format.getRegex(), () -> Grammar.regex(format.getRegex()));
            case JSON_SCHEMA ->
                cached(tenant, "json_schema", format.getJsonSchema(), () -> schema(format.getJsonSchema()));
        };
    }

    /** Bytes the kept grammars hold, all tenants together. */
    public long heldBytes() {
        synchronized (byTenant) {
            return heldBytes;
        }
    }

    /** Bytes {@code tenant}'s kept grammars hold. */
    long heldBytes(String tenant) {
        synchronized (byTenant) {
            Held held = byTenant.get(tenant);
            return held == null ? 0 : held.bytes;
        }
    }

    private static Grammar schema(String text) {
        try {
            return Grammar.jsonSchema(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "response_format.json_schema is not valid JSON: " + e.getOriginalMessage());
        }
    }

    Grammar cached(String tenant, String kind, String source, Supplier<Grammar> compile) {
        if (source.length() > MAX_SOURCE_CHARS) {
            throw new IllegalArgumentException("response_format." + kind + " is " + source.length()
                    + " characters, more than " + MAX_SOURCE_CHARS);
        }
        String key = kind + "\n" + source;
        String running = tenant + "\n" + key;
        var mine = new java.util.concurrent.CompletableFuture<Grammar>();
        java.util.concurrent.CompletableFuture<Grammar> theirs;
        synchronized (byTenant) {
            Held held = byTenant.get(tenant);
            Grammar known = held == null ? null : held.grammars.get(key);
            if (known != null) {
                return known;
            }
            theirs = compiling.get(running);
            if (theirs == null) {
                if (compilingByTenant.getOrDefault(tenant, 0) >= COMPILES_PER_TENANT) {
                    throw new QuotaExceededException(
                            "grammar-compilations",
                            COMPILES_PER_TENANT + " response formats of this tenant are compiling already",
                            java.time.Duration.ofSeconds(1));
                }
                compiling.put(running, mine);
                compilingByTenant.merge(tenant, 1, Integer::sum);
            }
        }
        if (theirs != null) {
            return awaited(theirs);
        }
        Grammar grammar;
        try {
            grammar = compile.get();
            mine.complete(grammar);
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            synchronized (byTenant) {
                compiling.remove(running);
                compilingByTenant.merge(tenant, -1, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
        synchronized (byTenant) {
            Held held = byTenant.computeIfAbsent(tenant, t -> new Held());
            if (held.grammars.put(key, grammar) == null) {
                held.bytes += grammar.retainedBytes();
                heldBytes += grammar.retainedBytes();
            }
            while (heldBytes > keptBytes) {
                evictFromLargestHolder();
            }
        }
        return grammar;
    }

    /** The grammar another request of the tenant is compiling, or its failure as thrown there. */
    private static Grammar awaited(java.util.concurrent.CompletableFuture<Grammar> compilation) {
        try {
            return compilation.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void evictFromLargestHolder() {
        Map.Entry<String, Held> largest = byTenant.entrySet().stream()
                .max(Map.Entry.comparingByValue(java.util.Comparator.comparingLong(h -> h.bytes)))
                .orElseThrow();
        Held held = largest.getValue();
        var eldest = held.grammars.entrySet().iterator();
        long freed = eldest.next().getValue().retainedBytes();
        eldest.remove();
        held.bytes -= freed;
        heldBytes -= freed;
        if (held.grammars.isEmpty()) {
            byTenant.remove(largest.getKey());
        }
    }
}
