package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.constrain.ConstrainedSampling;
import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.sampling.StopStringMatcher;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.core.sampling.TokenSampler;
import io.swapgate.core.tokenizer.TokenDecoder;
import io.swapgate.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A request's state inside the engine: its slot, its adapters, the tokens still to feed, and its text output.
 * Cache positions run: prefix-tuning entries, prompt-tuning virtual tokens, the prompt, then generated tokens.
 */
final class Sequence implements Schedulable {

    final GenerationRequest request;
    final GenerationHandle handle;
    final GenerationListener listener;
    final int[] promptTokens;
    private final Tokenizer tokenizer;
    private final TokenSampler sampler;
    private final TokenDecoder decoder;
    private final StopStringMatcher stops;
    /** The request's grammar and its progress through it, or null for free text. */
    private final ConstrainedSampling constraint;

    private final List<Integer> unreportedTokens = new ArrayList<>();
    private final List<Float> unreportedTemperatures = new ArrayList<>();
    private final List<TokenLogprobs> unreportedLogprobs = new ArrayList<>();
    final AdapterSelection adapters;
    int slot = -1;
    /** The LoRA's slot in the device table, or 0 for none. */
    int loraSlot;
    /** Positions already in the KV cache (a prefix adapter's entries count from admission on). */
    int cached;
    /** Tokens to feed: virtual tokens and the prompt first (in chunks, as the budget allows), then each sampled one. */
    private int[] pending;
    /** Tokens of {@code pending} that earlier steps fed already: the prompt's chunks prefilled so far. */
    private int fed;

    private boolean prefilled;
    int generated;
    /** Sampled tokens fed back so far, kept so a preempted sequence can recompute its cache. */
    private int[] fedBack = new int[16];

    private int fedBackCount;

    Sequence(
            GenerationRequest request,
            GenerationHandle handle,
            GenerationListener listener,
            int[] promptTokens,
            Tokenizer tokenizer,
            ConstrainedSampling constraint) {
        this.request = request;
        this.handle = handle;
        this.listener = listener;
        this.promptTokens = promptTokens;
        this.tokenizer = tokenizer;
        this.sampler = new TokenSampler(request.sampling(), tokenizer.vocabSize(), promptTokens);
        this.decoder = tokenizer.newDecoder(promptTokens);
        this.stops = new StopStringMatcher(request.sampling().stop());
        this.constraint = constraint;
        this.adapters = request.adapters();
        this.cached = adapters.prefix() == null ? 0 : adapters.prefix().virtualTokens();
        this.pending = withVirtualTokens(
                promptTokens, adapters.prompt() == null ? 0 : adapters.prompt().virtualTokens());
    }

    @Override
    public String tenant() {
        return request.tenant();
    }

    @Override
    public int pendingTokens() {
        return pending.length - fed;
    }

    @Override
    public int cachedTokens() {
        return cached;
    }

    @Override
    public boolean abandoned(long now) {
        return handle.cancelled() || expired(now);
    }

    /** Why an {@link #abandoned} sequence ends. */
    FinishReason abandonReason() {
        return handle.cancelled() ? FinishReason.CANCELLED : FinishReason.DEADLINE;
    }

    /**
     * Gives up the cache: on readmission the sequence feeds its virtual tokens, prompt and output so far again in one
     * prefill step, then samples on from where it stopped (its sampler state is kept).
     */
    @Override
    public void preempt() {
        int[] prefix = withVirtualTokens(
                promptTokens, adapters.prompt() == null ? 0 : adapters.prompt().virtualTokens());
        pending = Arrays.copyOf(prefix, prefix.length + fedBackCount);
        System.arraycopy(fedBack, 0, pending, prefix.length, fedBackCount);
        fed = 0;
        cached = adapters.prefix() == null ? 0 : adapters.prefix().virtualTokens();
        prefilled = false;
    }

    /** Prompt-tuning virtual tokens as ids -1 .. -n (see {@link ForwardBatch.Row}), then the prompt. */
    private static int[] withVirtualTokens(int[] prompt, int virtual) {
        int[] tokens = new int[virtual + prompt.length];
        for (int j = 0; j < virtual; j++) {
            tokens[j] = -(j + 1);
        }
        System.arraycopy(prompt, 0, tokens, virtual, prompt.length);
        return tokens;
    }

    @Override
    public boolean isPrefill() {
        return !prefilled;
    }

    /** The row this sequence adds to the next forward step: the next {@code tokens} of those pending. */
    ForwardBatch.Row row(int tokens) {
        ForwardBatch.LoraUse lora = loraSlot == 0
                ? null
                : new ForwardBatch.LoraUse(
                        loraSlot, adapters.loraRank(), adapters.lora().scale(adapters.loraRank()));
        return new ForwardBatch.Row(
                slot,
                cached,
                fed == 0 && tokens == pending.length ? pending : Arrays.copyOfRange(pending, fed, fed + tokens),
                lora,
                prefilled || adapters.prompt() == null
                        ? null
                        : adapters.prompt().embeddings());
    }

    /**
     * Records that a step fed the next {@code tokens} of those pending (the {@link #row} it ran), and returns whether
     * its output is to be sampled: it fed the last of them. A prefill chunk short of the prompt's end samples nothing.
     */
    boolean fed(int tokens) {
        cached += tokens;
        fed += tokens;
        prefilled = fed == pending.length;
        return prefilled;
    }

    /**
     * Samples from the output of the step that {@link #fed} the last pending token, reports any text, and returns why
     * the sequence ends, or null to go on.
     */
    FinishReason advance(float[] logits, float[] hidden) {
        float temperature = temperature(logits, hidden);
        // After the TempNet has seen the model's logits: it predicts from them, the grammar only narrows the choice.
        if (constraint != null && constraint.mask(logits) == 0) {
            return FinishReason.STOP; // no token of this vocabulary continues the text
        }
        TokenSampler.Choice choice = sampler.next(logits, temperature, request.logprobs());
        int token = choice.token();
        generated++;
        if (tokenizer.endsSequence(token)) {
            return FinishReason.EOS;
        }
        if (constraint != null) {
            constraint.accept(token);
        }
        unreportedTokens.add(token);
        if (request.returnTemperatures()) {
            unreportedTemperatures.add(temperature);
        }
        if (choice.logprobs() != null) {
            unreportedLogprobs.add(choice.logprobs());
        }
        String text = stops.accept(decoder.next(token));
        report(text);
        if (stops.stopped() || (constraint != null && constraint.finished())) {
            return FinishReason.STOP;
        }
        if (generated >= request.maxNewTokens()) {
            return FinishReason.LENGTH;
        }
        pending = new int[] {token};
        fed = 0;
        if (fedBackCount == fedBack.length) {
            fedBack = Arrays.copyOf(fedBack, fedBackCount * 2);
        }
        fedBack[fedBackCount++] = token;
        return null;
    }

    /** Emits text still held back (incomplete characters, a possible stop-string start), then the finish. */
    void finish(FinishReason reason) {
        if (reason != FinishReason.STOP) {
            report(stops.accept(decoder.flush()) + stops.flush());
        }
        if (!unreportedTokens.isEmpty()) {
            listener.onText(drain(""));
        }
        listener.onFinish(reason, new Usage(promptTokens.length, generated));
    }

    /**
     * The step's temperature: the request's own, scaled by the TempNet's prediction when the request has one. The
     * request's temperature (1 when unset) thus multiplies the TempNet's choice, and 0 stays greedy.
     */
    private float temperature(float[] logits, float[] hidden) {
        TempNetAdapter tempNet = adapters.tempNet();
        float requested = request.sampling().temperature();
        if (tempNet == null || requested == 0) {
            return requested;
        }
        return requested * tempNet.temperature(tempNet.input() == TempNetAdapter.Input.LOGITS ? logits : hidden);
    }

    private void report(String text) {
        if (!text.isEmpty()) {
            listener.onText(drain(text));
        }
    }

    private TextChunk drain(String text) {
        int[] ids = unreportedTokens.stream().mapToInt(Integer::intValue).toArray();
        float[] temperatures = new float[unreportedTemperatures.size()];
        for (int i = 0; i < temperatures.length; i++) {
            temperatures[i] = unreportedTemperatures.get(i);
        }
        TokenLogprobs[] logprobs = unreportedLogprobs.toArray(TokenLogprobs[]::new);
        unreportedTokens.clear();
        unreportedTemperatures.clear();
        unreportedLogprobs.clear();
        return new TextChunk(text, ids, temperatures, logprobs);
    }

    private boolean expired(long now) {
        return request.deadlineNanos() != 0 && now - request.deadlineNanos() > 0;
    }
}
