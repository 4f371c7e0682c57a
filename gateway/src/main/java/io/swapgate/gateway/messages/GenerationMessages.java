package io.swapgate.gateway.messages;

import com.google.protobuf.ByteString;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.core.tokenizer.Tokenizer;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.ServedAdapter;
import io.swapgate.proto.v1.TokenLogprob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Maps engine results to wire messages (gRPC's, and the same messages inside Kafka answers). */
public final class GenerationMessages {

    private GenerationMessages() {}

    /** A streamed piece of the completion; {@code tokenizer} names the tokens of its log-probabilities. */
    public static GenerateStreamResponse chunk(String requestId, TextChunk chunk, Tokenizer tokenizer) {
        return GenerateStreamResponse.newBuilder()
                .setRequestId(requestId)
                .setText(chunk.text())
                .addAllTokenIds(ids(chunk.tokenIds()))
                .addAllTemperatures(floats(chunk.temperatures()))
                .addAllLogprobs(logprobs(Arrays.asList(chunk.logprobs()), tokenizer))
                .build();
    }

    /** Per generated token, its log-probability and the alternatives', each with the token's text and bytes. */
    public static List<io.swapgate.proto.v1.TokenLogprobs> logprobs(List<TokenLogprobs> steps, Tokenizer tokenizer) {
        List<io.swapgate.proto.v1.TokenLogprobs> out = new ArrayList<>(steps.size());
        for (TokenLogprobs step : steps) {
            io.swapgate.proto.v1.TokenLogprobs.Builder b = io.swapgate.proto.v1.TokenLogprobs.newBuilder()
                    .setChosen(tokenLogprob(step.token(), step.logprob(), tokenizer));
            for (int i = 0; i < step.topTokens().length; i++) {
                b.addTop(tokenLogprob(step.topTokens()[i], step.topLogprobs()[i], tokenizer));
            }
            out.add(b.build());
        }
        return out;
    }

    private static TokenLogprob tokenLogprob(int tokenId, float logprob, Tokenizer tokenizer) {
        byte[] bytes = tokenizer.tokenBytes(tokenId);
        return TokenLogprob.newBuilder()
                .setTokenId(tokenId)
                .setToken(new String(bytes, StandardCharsets.UTF_8))
                .setBytes(ByteString.copyFrom(bytes))
                .setLogprob(logprob)
                .build();
    }

    /** The last streamed message: why it ended, the usage and the adapter versions that served it. */
    public static GenerateStreamResponse last(
            String requestId, FinishReason reason, io.swapgate.core.engine.Usage usage, AdapterSelection adapters) {
        return GenerateStreamResponse.newBuilder()
                .setRequestId(requestId)
                .setFinishReason(finishReason(reason))
                .setUsage(usage(usage))
                .addAllAdapters(servedAdapters(adapters))
                .build();
    }

    public static io.swapgate.proto.v1.FinishReason finishReason(FinishReason reason) {
        return switch (reason) {
            case LENGTH -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_LENGTH;
            case STOP -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_STOP;
            case EOS -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_EOS;
            case CANCELLED, DEADLINE -> io.swapgate.proto.v1.FinishReason.FINISH_REASON_CANCELLED;
        };
    }

    public static io.swapgate.proto.v1.Usage usage(io.swapgate.core.engine.Usage usage) {
        return io.swapgate.proto.v1.Usage.newBuilder()
                .setPromptTokens(usage.promptTokens())
                .setCompletionTokens(usage.completionTokens())
                .setTotalTokens(usage.totalTokens())
                .build();
    }

    /** Which adapter versions served the request, in kind order. */
    public static List<ServedAdapter> servedAdapters(AdapterSelection selection) {
        List<ServedAdapter> served = new ArrayList<>();
        for (Adapter adapter : selection.adapters()) {
            ServedAdapter.Builder b = ServedAdapter.newBuilder()
                    .setReference(adapter.identity().name())
                    .setKind(adapter.kind().wireName())
                    .setVersion(adapter.identity().version());
            if (adapter == selection.lora()) {
                b.setLoraRank(selection.loraRank());
            }
            float weight = selection.weightOf(adapter);
            if (weight != 0) {
                b.setLoraRank(((io.swapgate.core.adapter.LoraAdapter) adapter).rank())
                        .setWeight(weight);
            }
            served.add(b.build());
        }
        return served;
    }

    public static List<Integer> ids(int[] tokenIds) {
        return Arrays.stream(tokenIds).boxed().toList();
    }

    public static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
