package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.swapgate.proto.v1.AdapterOptions;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.WhoAmIRequest;
import io.swapgate.proto.v1.SamplingParams;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code swapgate generate [flags] PROMPT}: streams a completion from a running gateway to the terminal,
 * the prompt first (as llama2.c's run does), then each piece as it arrives. Statistics go to stderr.
 */
public final class GenerateCommand {

    static final String USAGE = """
            usage: swapgate generate [flags] PROMPT
              --max-tokens N      tokens to generate (default 64)
              --temperature F     0 for greedy (default 1.0)
              --top-k N           keep the k most likely tokens
              --top-p F           nucleus sampling mass
              --seed N            seed for reproducible sampling
              --stop S            stop string (repeatable)
              --adapter REF       adapter reference, e.g. demo/lora (repeatable, one per kind)
              --lora-rank N       serve a DyLoRA adapter at rank N
              --temperatures      print each token's sampling temperature (a TempNet's choice) at the end
              --host H            gateway host (default localhost)
              --port P            gateway port (default $SWAPGATE_PORT or 8080)
              --api-key KEY       API key (default $SWAPGATE_API_KEY)
              --kafka             send the request over Kafka ($KAFKA_BOOTSTRAP_SERVERS, default localhost:9092)
                                  and read the answer from the key's tenant's topic swapgate.responses.<tenant>
                                  (the tenant is asked of the gateway at --host and --port), instead of gRPC
              --no-echo           print only the completion, not the prompt
            """;

    private GenerateCommand() {}

    /** Runs the command; returns the process exit code (0 ok, 1 call failed, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        GenerateOptions options;
        try {
            options = GenerateOptions.parse(args, System.getenv("SWAPGATE_PORT"));
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, USAGE, e.getMessage());
        }
        PrintStream utf8 = new PrintStream(out, true, StandardCharsets.UTF_8);
        if (options.kafka()) {
            String servers = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
            String key = GatewayChannel.apiKey(options.apiKey());
            String responses;
            try {
                responses = KafkaGenerateCall.RESPONSES + "." + tenant(options);
            } catch (StatusRuntimeException e) {
                err.println("error: cannot ask the gateway whose key this is: " + e.getStatus());
                return 1;
            }
            try (KafkaGenerateCall call = new KafkaGenerateCall(servers, key, responses, request(options), Duration.ofMinutes(5))) {
                return print(call, options, utf8, err);
            } catch (IllegalStateException e) {
                err.println("error: " + e.getMessage());
                return 1;
            }
        }
        ManagedChannel channel = GatewayChannel.open(options.host(), options.port(), options.apiKey());
        try {
            return print(InferenceGrpc.newBlockingStub(channel).generateStream(request(options)), options, utf8, err);
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Prints a streamed completion as it arrives, then a summary on stderr. */
    /** The tenant the API key belongs to, as the gateway says: its answers on Kafka go to that tenant's own topic. */
    private static String tenant(GenerateOptions options) {
        ManagedChannel channel = GatewayChannel.open(options.host(), options.port(), options.apiKey());
        try {
            return TenantsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .whoAmI(WhoAmIRequest.getDefaultInstance()).getTenant();
        } finally {
            channel.shutdownNow();
        }
    }

    private static int print(Iterator<GenerateStreamResponse> responses, GenerateOptions options, PrintStream out, PrintStream err) {
        long started = System.nanoTime();
        long firstToken = 0;
        List<Float> temperatures = new ArrayList<>();
        if (options.echo()) {
            out.print(options.prompt());
        }
        try {
            while (responses.hasNext()) {
                GenerateStreamResponse response = responses.next();
                if (firstToken == 0 && response.getTokenIdsCount() > 0) {
                    firstToken = System.nanoTime();
                }
                out.print(response.getText());
                out.flush();
                temperatures.addAll(response.getTemperaturesList());
                if (response.hasUsage()) {
                    out.println();
                    double seconds = (System.nanoTime() - started) / 1e9;
                    err.printf("[%s, %d prompt + %d completion tokens, first token after %.1f ms, %.1f tokens/s]%n",
                            response.getFinishReason(), response.getUsage().getPromptTokens(),
                            response.getUsage().getCompletionTokens(), (firstToken - started) / 1e6,
                            response.getUsage().getCompletionTokens() / seconds);
                    response.getAdaptersList().forEach(a -> err.printf("[adapter %s: %s %s%s]%n", a.getReference(), a.getKind(),
                            a.getVersion().substring(0, Math.min(12, a.getVersion().length())),
                            a.getLoraRank() > 0 ? ", rank " + a.getLoraRank() : ""));
                    if (options.temperatures()) {
                        err.println("[temperatures " + temperatures + "]");
                    }
                }
            }
            return 0;
        } catch (StatusRuntimeException e) {
            out.println();
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        }
    }

    private static GenerateRequest request(GenerateOptions options) {
        SamplingParams.Builder sampling = SamplingParams.newBuilder().addAllStop(options.stops());
        options.temperature().ifPresent(sampling::setTemperature);
        options.seed().ifPresent(sampling::setSeed);
        sampling.setTopK(options.topK()).setTopP(options.topP());
        return GenerateRequest.newBuilder()
                .setPrompt(options.prompt())
                .setMaxNewTokens(options.maxTokens())
                .setSampling(sampling)
                .addAllAdapters(options.adapters())
                .setAdapterOptions(options.loraRank() > 0 ? AdapterOptions.newBuilder().setLoraRank(options.loraRank()).build()
                        : AdapterOptions.getDefaultInstance())
                .setReturnTemperatures(options.temperatures())
                .build();
    }
}
