package io.swapgate.core.runtime;

import java.util.List;

/**
 * One forward step over several sequences: each row appends its tokens to its own KV-cache slot starting at
 * its own position. Rows may differ in length (prefill) or all be one token long (decode).
 */
public record ForwardBatch(List<Row> rows) {

    public ForwardBatch {
        rows = List.copyOf(rows);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
    }

    public int size() {
        return rows.size();
    }

    public int longestRow() {
        return rows.stream().mapToInt(r -> r.tokens().length).max().orElse(0);
    }

    public int tokenCount() {
        return rows.stream().mapToInt(r -> r.tokens().length).sum();
    }

    /**
     * @param slot the KV-cache slot the row owns
     * @param start position of the first token (the number already in the cache)
     */
    public record Row(int slot, int start, int[] tokens) {
        public Row {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a row needs at least one token");
            }
        }

        public int end() {
            return start + tokens.length;
        }
    }
}
