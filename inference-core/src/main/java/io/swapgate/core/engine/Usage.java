package io.swapgate.core.engine;

/** Token counts of a finished request; the prompt count includes BOS, the completion count any end token. */
public record Usage(int promptTokens, int completionTokens) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
