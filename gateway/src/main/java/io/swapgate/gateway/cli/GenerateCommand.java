package io.swapgate.gateway.cli;

import io.grpc.StatusRuntimeException;
import io.swapgate.proto.v1.AdapterOptions;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.WhoAmIRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code swapgate generate [flags] PROMPT}: streams a completion from a running gateway to the terminal, the prompt
 * first (as llama2.c's run does), then each piece as it arrives. Statistics go to stderr.
 */
@Command(name = "generate", description = "Stream a completion from a running gateway (over gRPC, or Kafka).")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayConnection gateway;

    @Parameters(paramLabel = "PROMPT", description = "The prompt.")
    String prompt;

    @Option(
            names = "--max-tokens",
            defaultValue = "64",
            description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", description = "0 for greedy (default: 1.0).")
    Float temperature;

    @Option(names = "--top-k", description = "Keep the k most likely tokens.")
    int topK;

    @Option(names = "--top-p", description = "Nucleus sampling mass.")
    float topP;

    @Option(names = "--seed", description = "Seed for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", paramLabel = "S", description = "Stop string (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(
            names = "--adapter",
            paramLabel = "REF",
            description = "Adapter reference, e.g. demo/lora (repeatable, one per kind).")
    List<String> adapters = new ArrayList<>();

    @Option(names = "--lora-rank", description = "Serve a DyLoRA adapter at rank N.")
    int loraRank;

    @Option(
            names = "--temperatures",
            description = "Print each token's sampling temperature (a TempNet's choice) at the end.")
    boolean temperatures;

    @Option(
            names = "--kafka",
            description = {
                "Send the request over Kafka ($KAFKA_BOOTSTRAP_SERVERS, default localhost:9092)",
                "and read the answer from the key's tenant's topic swapgate.responses.<tenant> (the tenant is asked of the",
                "gateway at --host and --port), instead of gRPC."
            })
    boolean kafka;

    @Option(names = "--no-echo", negatable = false, description = "Print only the completion, not the prompt.")
    boolean noEcho;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (kafka) {
            String servers = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
            String responses;
            try {
                responses = KafkaGenerateCall.RESPONSES + "." + tenant();
            } catch (StatusRuntimeException e) {
                err.println("error: cannot ask the gateway whose key this is: " + e.getStatus());
                return 1;
            }
            try (KafkaGenerateCall call = new KafkaGenerateCall(
                    servers, GatewayConnection.apiKey(gateway.apiKey), responses, request(), Duration.ofMinutes(5))) {
                return print(call, out, err);
            } catch (IllegalStateException e) {
                err.println("error: " + e.getMessage());
                return 1;
            }
        }
        return gateway.call(
                channel -> print(InferenceGrpc.newBlockingStub(channel).generateStream(request()), out, err));
    }

    /** The tenant the API key belongs to, as the gateway says: its answers on Kafka go to that tenant's own topic. */
    private String tenant() throws Exception {
        return gateway.call(channel -> TenantsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance())
                .getTenant());
    }

    /** Prints a streamed completion as it arrives, then a summary on stderr. */
    private int print(Iterator<GenerateStreamResponse> responses, PrintWriter out, PrintWriter err) {
        long started = System.nanoTime();
        long firstToken = 0;
        List<Float> seen = new ArrayList<>();
        if (!noEcho) {
            out.print(prompt);
        }
        try {
            while (responses.hasNext()) {
                GenerateStreamResponse response = responses.next();
                if (firstToken == 0 && response.getTokenIdsCount() > 0) {
                    firstToken = System.nanoTime();
                }
                out.print(response.getText());
                out.flush();
                seen.addAll(response.getTemperaturesList());
                if (response.hasUsage()) {
                    out.println();
                    double seconds = (System.nanoTime() - started) / 1e9;
                    err.printf(
                            "[%s, %d prompt + %d completion tokens, first token after %.1f ms, %.1f tokens/s]%n",
                            response.getFinishReason(),
                            response.getUsage().getPromptTokens(),
                            response.getUsage().getCompletionTokens(),
                            (firstToken - started) / 1e6,
                            response.getUsage().getCompletionTokens() / seconds);
                    response.getAdaptersList()
                            .forEach(a -> err.printf(
                                    "[adapter %s: %s %s%s]%n",
                                    a.getReference(),
                                    a.getKind(),
                                    a.getVersion()
                                            .substring(
                                                    0,
                                                    Math.min(12, a.getVersion().length())),
                                    a.getLoraRank() > 0 ? ", rank " + a.getLoraRank() : ""));
                    if (temperatures) {
                        err.println("[temperatures " + seen + "]");
                    }
                }
            }
            return 0;
        } catch (StatusRuntimeException e) {
            out.println();
            err.println(
                    "error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        }
    }

    private GenerateRequest request() {
        SamplingParams.Builder sampling =
                SamplingParams.newBuilder().addAllStop(stops).setTopK(topK).setTopP(topP);
        if (temperature != null) {
            sampling.setTemperature(temperature);
        }
        if (seed != null) {
            sampling.setSeed(seed);
        }
        return GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMaxNewTokens(maxTokens)
                .setSampling(sampling)
                .addAllAdapters(adapters)
                .setAdapterOptions(
                        loraRank > 0
                                ? AdapterOptions.newBuilder()
                                        .setLoraRank(loraRank)
                                        .build()
                                : AdapterOptions.getDefaultInstance())
                .setReturnTemperatures(temperatures)
                .build();
    }
}
