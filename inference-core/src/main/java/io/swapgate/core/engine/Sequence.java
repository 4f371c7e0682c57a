package io.swapgate.core.engine;

import io.swapgate.core.sampling.StopStringMatcher;
import io.swapgate.core.sampling.TokenSampler;
import io.swapgate.core.tokenizer.TokenDecoder;
import io.swapgate.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** A request's state inside the engine: its slot, the tokens still to feed, and its text output. */
final class Sequence {

    final GenerationRequest request;
    final GenerationHandle handle;
    final GenerationListener listener;
    final int[] promptTokens;
    private final Tokenizer tokenizer;
    private final TokenSampler sampler;
    private final TokenDecoder decoder;
    private final StopStringMatcher stops;
    private final List<Integer> unreportedTokens = new ArrayList<>();
    int slot = -1;
    /** Positions already in the KV cache. */
    int cached;
    /** Tokens to feed in the next step: the prompt first, then each sampled token. */
    int[] pending;
    int generated;

    Sequence(GenerationRequest request, GenerationHandle handle, GenerationListener listener, int[] promptTokens, Tokenizer tokenizer) {
        this.request = request;
        this.handle = handle;
        this.listener = listener;
        this.promptTokens = promptTokens;
        this.tokenizer = tokenizer;
        this.sampler = new TokenSampler(request.sampling(), tokenizer.vocabSize(), promptTokens);
        this.decoder = tokenizer.newDecoder(promptTokens);
        this.stops = new StopStringMatcher(request.sampling().stop());
        this.pending = promptTokens;
    }

    boolean isPrefill() {
        return cached == 0;
    }

    /** Samples from the step's logits, reports any text, and returns why the sequence ends, or null to go on. */
    FinishReason advance(float[] logits) {
        cached += pending.length;
        int token = sampler.next(logits);
        generated++;
        if (tokenizer.endsSequence(token)) {
            return FinishReason.EOS;
        }
        unreportedTokens.add(token);
        String text = stops.accept(decoder.next(token));
        report(text);
        if (stops.stopped()) {
            return FinishReason.STOP;
        }
        if (generated >= request.maxNewTokens()) {
            return FinishReason.LENGTH;
        }
        pending = new int[] {token};
        return null;
    }

    /** Emits text still held back (incomplete characters, a possible stop-string start), then the finish. */
    void finish(FinishReason reason) {
        if (reason != FinishReason.STOP) {
            report(stops.accept(decoder.flush()) + stops.flush());
        }
        if (!unreportedTokens.isEmpty()) {
            listener.onText("", drainTokens());
        }
        listener.onFinish(reason, new Usage(promptTokens.length, generated));
    }

    private void report(String text) {
        if (!text.isEmpty()) {
            listener.onText(text, drainTokens());
        }
    }

    private int[] drainTokens() {
        int[] ids = unreportedTokens.stream().mapToInt(Integer::intValue).toArray();
        unreportedTokens.clear();
        return ids;
    }

    boolean expired(long now) {
        return request.deadlineNanos() != 0 && now - request.deadlineNanos() > 0;
    }
}
