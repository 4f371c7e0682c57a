package io.swapgate.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parsed flags of {@code swapgate generate}. */
record GenerateOptions(String prompt, int maxTokens, Optional<Float> temperature, int topK, float topP, Optional<Long> seed,
                       List<String> stops, List<String> adapters, int loraRank, boolean temperatures, String host, int port,
                       boolean echo, String apiKey, boolean kafka) {

    static GenerateOptions parse(String[] args, String portFromEnvironment) {
        String prompt = null;
        int maxTokens = 64;
        Optional<Float> temperature = Optional.empty();
        int topK = 0;
        float topP = 0f;
        Optional<Long> seed = Optional.empty();
        List<String> stops = new ArrayList<>();
        List<String> adapters = new ArrayList<>();
        int loraRank = 0;
        boolean temperatures = false;
        String host = "localhost";
        int port = portFromEnvironment == null || portFromEnvironment.isBlank() ? 8080 : Integer.parseInt(portFromEnvironment);
        boolean echo = true;
        String apiKey = null;
        boolean kafka = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            try {
                switch (arg) {
                    case "--max-tokens" -> maxTokens = Integer.parseInt(value(args, ++i, arg));
                    case "--temperature" -> temperature = Optional.of(Float.parseFloat(value(args, ++i, arg)));
                    case "--top-k" -> topK = Integer.parseInt(value(args, ++i, arg));
                    case "--top-p" -> topP = Float.parseFloat(value(args, ++i, arg));
                    case "--seed" -> seed = Optional.of(Long.parseLong(value(args, ++i, arg)));
                    case "--stop" -> stops.add(value(args, ++i, arg));
                    case "--adapter" -> adapters.add(value(args, ++i, arg));
                    case "--lora-rank" -> loraRank = Integer.parseInt(value(args, ++i, arg));
                    case "--temperatures" -> temperatures = true;
                    case "--host" -> host = value(args, ++i, arg);
                    case "--port" -> port = Integer.parseInt(value(args, ++i, arg));
                    case "--api-key" -> apiKey = value(args, ++i, arg);
                    case "--kafka" -> kafka = true;
                    case "--no-echo" -> echo = false;
                    default -> {
                        if (arg.startsWith("--") || prompt != null) {
                            throw new IllegalArgumentException("unexpected argument '" + arg + "'");
                        }
                        prompt = arg;
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(arg + " needs a number, got '" + args[i] + "'");
            }
        }
        if (prompt == null) {
            throw new IllegalArgumentException("a prompt is required");
        }
        return new GenerateOptions(prompt, maxTokens, temperature, topK, topP, seed, stops, adapters, loraRank, temperatures, host,
                port, echo, apiKey, kafka);
    }

    static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }
}
