package io.swapgate.core.training;

/** A supervised training example: the completion the adapter should give to the prompt. */
public record TextExample(String id, String prompt, String completion) {

    public TextExample {
        if (prompt == null || prompt.isEmpty() || completion == null || completion.isEmpty()) {
            throw new IllegalArgumentException("example " + id + " needs a prompt and a completion");
        }
    }
}
