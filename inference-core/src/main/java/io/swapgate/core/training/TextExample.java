package io.swapgate.core.training;

/**
 * A training example and the signal it carries: a completion to learn, scored feedback on a completion (a positive
 * weight pulls the completion up, a negative one pushes it down), or a preference of one completion over another.
 *
 * @param weight how strongly, and in which direction, the completion is trained: 1 for a plain completion,
 *               the score for feedback; 1 for a preference
 * @param rejected the completion the prompt should not get, for a preference; null otherwise
 */
public record TextExample(String id, String prompt, String completion, double weight, String rejected) {

    public TextExample {
        if (prompt == null || prompt.isEmpty() || completion == null || completion.isEmpty()) {
            throw new IllegalArgumentException("example " + id + " needs a prompt and a completion");
        }
        if (!Double.isFinite(weight) || weight == 0) {
            throw new IllegalArgumentException("example " + id + " needs a finite, non-zero weight, not " + weight);
        }
        if (rejected != null && (rejected.isEmpty() || rejected.equals(completion))) {
            throw new IllegalArgumentException(
                    "example " + id + " prefers a completion over an empty or identical one");
        }
    }

    /** A supervised completion. */
    public TextExample(String id, String prompt, String completion) {
        this(id, prompt, completion, 1, null);
    }

    /** Feedback on a completion: a score above 0 trains it up by that weight, below 0 down. */
    public static TextExample feedback(String id, String prompt, String completion, double score) {
        return new TextExample(id, prompt, completion, score, null);
    }

    /** {@code chosen} is the better completion of the prompt, {@code rejected} the worse. */
    public static TextExample preference(String id, String prompt, String chosen, String rejected) {
        return new TextExample(id, prompt, chosen, 1, rejected);
    }
}
