package io.swapgate.core.runtime;

import io.swapgate.core.model.FloatTensor;
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
     * @param tokens token ids; a negative id -(j + 1) stands for row j of {@code virtualTokens}
     * @param lora the row's LoRA in the slot table, or null for none
     * @param virtualTokens prompt-tuning embeddings [n, dim] the negative ids refer to, or null
     */
    public record Row(int slot, int start, int[] tokens, LoraUse lora, FloatTensor virtualTokens) {
        public Row {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a row needs at least one token");
            }
        }

        public Row(int slot, int start, int[] tokens) {
            this(slot, start, tokens, null, null);
        }

        public int end() {
            return start + tokens.length;
        }
    }

    /**
     * A row's LoRA: its slot in the {@link LoraSlotTable}, the rank it is served at (at most the adapter's) and
     * the scale s of y = W x + s B A x at that rank.
     */
    public record LoraUse(int tableSlot, int rank, float scale) {}
}
