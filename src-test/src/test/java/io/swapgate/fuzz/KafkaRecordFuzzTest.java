package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.gateway.kafka.KafkaMessages;
import io.swapgate.kafka.GenerationHandler;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.TrainingExample;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any bytes as the value of a record on the requests topic and on the examples topic: an envelope or example with its
 * required fields, or a refusal (dead-lettered with its reason by the bridge).
 */
class KafkaRecordFuzzTest {

    @MethodSource("seeds")
    @FuzzTest
    void decode(byte @NotNull [] value) {
        try {
            GenerationHandler.Envelope<KafkaRequest> envelope = KafkaMessages.request(value);
            assertFalse(envelope.requestId().isEmpty());
        } catch (GenerationHandler.Refused refused) {
            assertFalse(refused.getMessage().isEmpty());
        }
        try {
            TrainingExample example = KafkaMessages.example(value);
            assertFalse(example.getExampleId().isEmpty() || example.getPrompt().isEmpty());
        } catch (IllegalArgumentException refused) {
            assertFalse(refused.getMessage().isEmpty());
        }
    }

    static Stream<byte[]> seeds() {
        KafkaRequest request = KafkaRequest.newBuilder()
                .setRequestId("r-1")
                .setReplyTopic("swapgate.responses.demo")
                .setDeadlineUnixMs(1_800_000_000_000L)
                .setRequest(GenerateRequest.newBuilder()
                        .setPrompt("Once upon a time")
                        .setMaxNewTokens(8)
                        .addAdapters("demo/lora@stable")
                        .setSampling(
                                SamplingParams.newBuilder().setTemperature(0.7f).setTopK(40)))
                .build();
        TrainingExample example = TrainingExample.newBuilder()
                .setExampleId("e-1")
                .setAdapter("demo/lora")
                .setPrompt("Tom's favourite colour is")
                .setCompletion(" purple")
                .build();
        return Stream.of(request.toByteArray(), example.toByteArray());
    }
}
