package io.swapgate.gateway.training;

import io.swapgate.proto.v1.TrainingExample;

/**
 * What every training example must be, from Kafka or from {@code Training.Start}: an id, a prompt and a signal, and
 * small. Examples are tokenized on the one training thread that all tenants share, so one example's text is capped
 * (a model's whole context is a few thousand tokens; 64 KiB of text is far more than it can use).
 */
public final class ExampleRules {

    /** Largest prompt plus completions of one example, in UTF-8 bytes. */
    public static final int MAX_TEXT_BYTES = 64 * 1024;

    public static final int MAX_ID_LENGTH = 128;

    private ExampleRules() {}

    /** @throws IllegalArgumentException naming what is missing or too large */
    public static TrainingExample check(TrainingExample example) {
        if (example.getExampleId().isEmpty() || example.getPrompt().isEmpty()) {
            throw new IllegalArgumentException("example_id and prompt are required");
        }
        if (example.getExampleId().length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("example_id is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (example.getSignalCase() == TrainingExample.SignalCase.SIGNAL_NOT_SET) {
            throw new IllegalArgumentException("a completion, a preference or feedback is required");
        }
        if (example.getSignalCase() == TrainingExample.SignalCase.FEEDBACK
                && !(Math.abs(example.getFeedback().getScore()) <= 1)) {
            throw new IllegalArgumentException("feedback score must be between -1 and 1, not "
                    + example.getFeedback().getScore());
        }
        if (example.getSignalCase() == TrainingExample.SignalCase.PREFERENCE
                && (example.getPreference().getChosen().isEmpty()
                        || example.getPreference()
                                .getChosen()
                                .equals(example.getPreference().getRejected()))) {
            throw new IllegalArgumentException(
                    "a preference needs a chosen completion that differs from the rejected one");
        }
        if (utf8Length(example) > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException(
                    "example " + example.getExampleId() + " holds more than " + MAX_TEXT_BYTES + " bytes of text");
        }
        return example;
    }

    /** The texts' UTF-8 length, as the message holds them (a parsed message keeps its strings as bytes). */
    private static long utf8Length(TrainingExample example) {
        return (long) example.getPromptBytes().size()
                + switch (example.getSignalCase()) {
                    case COMPLETION -> example.getCompletionBytes().size();
                    case PREFERENCE ->
                        example.getPreference().getChosenBytes().size()
                                + example.getPreference().getRejectedBytes().size();
                    case FEEDBACK -> example.getFeedback().getCompletionBytes().size();
                    case SIGNAL_NOT_SET -> 0;
                };
    }
}
