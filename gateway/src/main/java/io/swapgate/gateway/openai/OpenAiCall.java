package io.swapgate.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.gateway.serving.Admission;
import io.swapgate.gateway.serving.Generations;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One {@code /v1/completions} or {@code /v1/chat/completions} call: submits its {@code n} choices to the engine and
 * answers with one JSON body or, when streaming, Server-Sent Events ending with {@code data: [DONE]}. Engine callbacks
 * arrive on the engine thread; every write to the response is moved onto the call's Vert.x context.
 */
final class OpenAiCall {

    private final Generations generations;
    private final Caller caller;
    private final OpenAiRequest request;
    private final List<String> adapters;
    private final HttpServerResponse response;
    private final Context context;
    private final OpenAiJson json;
    private final List<GenerationHandle> handles = new ArrayList<>();
    private final List<Admission> submitted = new ArrayList<>();
    private final StringBuilder[] texts;
    private final List<List<TokenLogprobs>> logprobs = new ArrayList<>();
    private final FinishReason[] reasons;
    private int promptTokens;
    private int completionTokens;
    private int open;
    private volatile boolean ended;

    OpenAiCall(
            Generations generations,
            Caller caller,
            OpenAiRequest request,
            List<String> adapters,
            HttpServerResponse response,
            Context context) {
        this.generations = generations;
        this.caller = caller;
        this.request = request;
        this.adapters = adapters;
        this.response = response;
        this.context = context;
        String prefix = request.chat() ? "chatcmpl-" : "cmpl-";
        this.json = new OpenAiJson(
                request,
                prefix + UUID.randomUUID(),
                System.currentTimeMillis() / 1000,
                generations.model().tokenizer());
        this.texts = new StringBuilder[request.n()];
        this.reasons = new FinishReason[request.n()];
        this.open = request.n();
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new StringBuilder();
            logprobs.add(new ArrayList<>());
        }
    }

    /** Resolves adapters and submits every choice (reads files on a cold load: off the event loop when adapters are named). */
    void start() {
        try {
            for (int i = 0; i < request.n(); i++) {
                Admission admission = generations.admit(caller, wire(i), 0);
                track(generations.submit(admission, new Choice(i)), admission);
            }
        } catch (RuntimeException e) {
            context.runOnContext(v -> fail(OpenAiException.of(e)));
            return;
        }
        context.runOnContext(v -> response.closeHandler(closed -> endAll()));
    }

    /** The same wire request gRPC takes: one code path to the engine. Choice {@code i} gets seed + i. */
    private GenerateRequest wire(int choice) {
        SamplingParams.Builder sampling = SamplingParams.newBuilder().addAllStop(request.stop());
        if (request.temperature() != null) {
            sampling.setTemperature(request.temperature());
        }
        if (request.topP() != null) {
            sampling.setTopP(request.topP());
        }
        if (request.seed() != null) {
            sampling.setSeed(request.seed() + choice);
        }
        GenerateRequest.Builder wire = GenerateRequest.newBuilder();
        if (request.responseFormat() != null) {
            wire.setResponseFormat(request.responseFormat());
        }
        return wire.setPrompt(request.prompt())
                .setMaxNewTokens(request.maxTokens())
                .setSampling(sampling)
                .addAllAdapters(adapters)
                .setLogprobs(request.logprobs() != GenerationRequest.NO_LOGPROBS)
                .setTopLogprobs(Math.max(0, request.logprobs()))
                .build();
    }

    private final class Choice implements GenerationListener {
        private final int index;
        private boolean first = true;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public void onText(TextChunk chunk) {
            String text = chunk.text();
            List<TokenLogprobs> steps = List.of(chunk.logprobs());
            boolean isFirst = first;
            first = false;
            context.runOnContext(v -> {
                if (request.stream()) {
                    if (!text.isEmpty() || isFirst || !steps.isEmpty()) {
                        event(json.chunk(index, text, isFirst, steps));
                    }
                } else {
                    texts[index].append(text);
                    logprobs.get(index).addAll(steps);
                }
            });
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            context.runOnContext(v -> finished(index, reason, usage));
        }

        @Override
        public void onError(Throwable error) {
            context.runOnContext(v -> fail(OpenAiException.of(error)));
        }
    }

    private void finished(int index, FinishReason reason, Usage usage) {
        if (ended) {
            return;
        }
        if (reason == FinishReason.CANCELLED || reason == FinishReason.DEADLINE) {
            fail(new OpenAiException(503, "server_error", "generation was cancelled", null, null));
            return;
        }
        reasons[index] = reason;
        promptTokens = usage.promptTokens();
        completionTokens += usage.completionTokens();
        if (request.stream()) {
            event(json.finish(index, reason));
        }
        if (--open > 0) {
            return;
        }
        Usage total = new Usage(promptTokens, completionTokens);
        if (request.stream()) {
            if (request.includeUsage()) {
                event(json.usageChunk(total));
            }
            response.end("data: [DONE]\n\n");
        } else {
            String[] all = new String[texts.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = texts[i].toString();
            }
            send(200, json.completion(all, logprobs, reasons, total));
        }
        endAll();
    }

    /** Answers with an error: a JSON error body, or an error event and [DONE] once streaming has begun. */
    private void fail(OpenAiException e) {
        if (ended) {
            return;
        }
        if (response.headWritten()) {
            event(OpenAiJson.error(e));
            response.end("data: [DONE]\n\n");
        } else {
            OpenAiJson.retryHeaders(response, e);
            send(e.status, OpenAiJson.error(e));
        }
        endAll();
    }

    private void event(ObjectNode body) {
        if (ended || response.ended()) {
            return;
        }
        if (!response.headWritten()) {
            response.setStatusCode(200)
                    .setChunked(true)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("Cache-Control", "no-cache");
        }
        response.write("data: " + body + "\n\n");
    }

    private void send(int status, ObjectNode body) {
        if (!response.ended()) {
            response.setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(body.toString());
        }
    }

    /** Keeps a submitted choice to end later, or ends it at once when the call already ended. */
    private synchronized void track(GenerationHandle handle, Admission admission) {
        if (ended) {
            generations.end(handle, admission);
        } else {
            handles.add(handle);
            submitted.add(admission);
        }
    }

    /** Stops every choice still running and unpins the adapter versions; runs once. */
    private synchronized void endAll() {
        if (ended) {
            return;
        }
        ended = true;
        for (int i = 0; i < handles.size(); i++) {
            generations.end(handles.get(i), submitted.get(i));
        }
    }
}
