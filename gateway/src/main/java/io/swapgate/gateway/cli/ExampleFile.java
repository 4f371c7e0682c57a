package io.swapgate.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.proto.v1.Feedback;
import io.swapgate.proto.v1.Preference;
import io.swapgate.proto.v1.TrainingExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Training examples from a JSONL file, one object per line: {@code prompt} with {@code completion}, with
 * {@code chosen} and {@code rejected}, or with {@code completion} and {@code score} (feedback, -1 to 1); {@code id}
 * is optional and defaults to a hash of the content, so sending a file twice stores each example once.
 */
final class ExampleFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExampleFile() {}

    static List<TrainingExample> read(Path file, String adapter) throws IOException {
        List<TrainingExample> examples = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                examples.add(example(JSON.readTree(line), adapter));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + lineNumber + ": " + e.getMessage());
            }
        }
        return examples;
    }

    private static TrainingExample example(JsonNode node, String adapter) {
        String prompt = text(node, "prompt");
        if (prompt == null) {
            throw new IllegalArgumentException("a \"prompt\" is needed");
        }
        TrainingExample.Builder example =
                TrainingExample.newBuilder().setAdapter(adapter).setPrompt(prompt);
        String completion = text(node, "completion");
        if (node.has("chosen")) {
            example.setPreference(Preference.newBuilder()
                    .setChosen(text(node, "chosen"))
                    .setRejected(String.valueOf(text(node, "rejected"))));
        } else if (completion != null && node.has("score")) {
            example.setFeedback(Feedback.newBuilder().setCompletion(completion).setScore((float)
                    node.get("score").asDouble()));
        } else if (completion != null) {
            example.setCompletion(completion);
        } else {
            throw new IllegalArgumentException("a \"completion\", or \"chosen\" and \"rejected\", is needed");
        }
        String id = text(node, "id");
        return example.setExampleId(id != null ? id : contentId(example.build()))
                .build();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String contentId(TrainingExample example) {
        byte[] digest = BaseModelIdentity.sha256().digest(example.toByteArray());
        return "sha256:" + HexFormat.of().formatHex(digest, 0, 16);
    }
}
