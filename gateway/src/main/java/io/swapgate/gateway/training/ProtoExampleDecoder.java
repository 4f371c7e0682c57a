package io.swapgate.gateway.training;

import com.google.protobuf.InvalidProtocolBufferException;
import io.swapgate.core.training.TextExample;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.registry.ExampleStore;
import io.swapgate.registry.training.ExampleDecoder;
import org.jboss.logging.Logger;

/**
 * Stored {@code TrainingExample}s as supervised examples: a completion as it is, a preference's chosen completion, and
 * feedback's completion when its score is positive. Rejected completions and negative feedback are not trained on
 * (that needs a preference objective such as DPO, which the trainer does not have yet).
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
        String completion = switch (example.getSignalCase()) {
            case COMPLETION -> example.getCompletion();
            case PREFERENCE -> example.getPreference().getChosen();
            case FEEDBACK -> example.getFeedback().getScore() > 0 ? example.getFeedback().getCompletion() : null;
            case SIGNAL_NOT_SET -> null;
        };
        return completion == null || completion.isEmpty() || example.getPrompt().isEmpty() ? null
                : new TextExample(stored.id(), example.getPrompt(), completion);
    }
}
