package io.swapgate.gateway.training;

import com.google.protobuf.InvalidProtocolBufferException;
import io.swapgate.core.training.TextExample;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.registry.ExampleStore;
import io.swapgate.retraining.ExampleDecoder;
import org.jboss.logging.Logger;

/**
 * Stored {@code TrainingExample}s as the trainer's signals: a completion to learn, a preference of a chosen over a
 * rejected completion (DPO), and feedback whose score weighs its completion up (above 0) or down (below 0, as
 * unlikelihood). Feedback scored exactly 0 says nothing and is skipped; a preference without a rejected completion is
 * its chosen completion.
 */
final class ProtoExampleDecoder implements ExampleDecoder {

    private static final Logger LOG = Logger.getLogger(ProtoExampleDecoder.class);

    @Override
    public TextExample decode(ExampleStore.Example stored) {
        TrainingExample example;
        try {
            example = TrainingExample.parseFrom(stored.content());
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("stored example %s is not a TrainingExample: %s", stored.id(), e.getMessage());
            return null;
        }
        try {
            return switch (example.getSignalCase()) {
                case COMPLETION -> new TextExample(stored.id(), example.getPrompt(), example.getCompletion());
                case PREFERENCE ->
                    example.getPreference().getRejected().isEmpty()
                            ? new TextExample(
                                    stored.id(),
                                    example.getPrompt(),
                                    example.getPreference().getChosen())
                            : TextExample.preference(
                                    stored.id(),
                                    example.getPrompt(),
                                    example.getPreference().getChosen(),
                                    example.getPreference().getRejected());
                case FEEDBACK ->
                    example.getFeedback().getScore() == 0
                            ? null
                            : TextExample.feedback(
                                    stored.id(),
                                    example.getPrompt(),
                                    example.getFeedback().getCompletion(),
                                    example.getFeedback().getScore());
                case SIGNAL_NOT_SET -> null;
            };
        } catch (IllegalArgumentException unusable) {
            LOG.warnf("stored example %s is not trained on: %s", stored.id(), unusable.getMessage());
            return null;
        }
    }
}
