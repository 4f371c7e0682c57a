package io.swapgate.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs several contenders (a serving path with its workload) on the same closed-loop load, alternated round by round
 * so machine noise hits them alike, and reports each round and the medians over rounds against the first contender.
 */
final class Comparison {

    /** One contender: where its requests go and what they ask for. */
    record Contender(String label, LoadGenerator.Target target, LoadGenerator.Workload workload) {}

    private final List<Contender> contenders;
    private final int streams;
    private final int requests;
    private final int rounds;
    private final Map<String, List<LoadSummary>> runs = new LinkedHashMap<>();

    Comparison(List<Contender> contenders, int streams, int requests, int rounds) {
        this.contenders = contenders;
        this.streams = streams;
        this.requests = requests;
        this.rounds = rounds;
    }

    Comparison run() throws InterruptedException {
        for (Contender c : contenders) { // warm-up
            LoadGenerator.closedLoop(c.target(), c.workload(), streams, streams);
        }
        for (int round = 1; round <= rounds; round++) {
            for (Contender c : contenders) {
                runs.computeIfAbsent(c.label(), l -> new ArrayList<>())
                        .add(LoadSummary.of(
                                c.label() + ", round " + round,
                                LoadGenerator.closedLoop(c.target(), c.workload(), streams, requests)));
            }
        }
        return this;
    }

    /** Median over rounds of the p50 time per output token, ms. */
    double perOutputToken(String label) {
        return median(runs.get(label).stream().map(r -> r.perOutputToken()[0]).toList());
    }

    double tokensPerSecond(String label) {
        return median(runs.get(label).stream().map(LoadSummary::tokensPerSecond).toList());
    }

    double ttft(String label) {
        return median(runs.get(label).stream().map(r -> r.ttft()[0]).toList());
    }

    /** Writes {@code name}.md, .csv and .png under target/bench; returns the Markdown. */
    String report(String name, String title, String chartTitle) throws Exception {
        Path dir = E2e.targetDir().resolve("bench");
        Files.createDirectories(dir);
        String first = contenders.get(0).label();
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "%s: %d closed-loop streams, %d requests per run, %d" + " rounds alternated, %d cores%n%n",
                title,
                streams,
                requests,
                rounds,
                Runtime.getRuntime().availableProcessors()));
        md.append(LoadSummary.markdownHeader());
        StringBuilder csv = new StringBuilder(LoadSummary.csvHeader());
        for (int round = 0; round < rounds; round++) {
            for (Contender c : contenders) {
                LoadSummary run = runs.get(c.label()).get(round);
                md.append(run.markdownRow());
                csv.append(run.csvRow());
            }
        }
        md.append("\n| medians over rounds | tokens/s | TTFT p50 ms | time per output token p50 ms | vs " + first
                + " |\n|---|---:|---:|---:|---:|\n");
        List<String> categories = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        series.put("time per output token p50 (ms)", new ArrayList<>());
        series.put("time to first token p50 (ms)", new ArrayList<>());
        for (Contender c : contenders) {
            String label = c.label();
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %.1f | %.2f | %+.1f%% |%n",
                    label,
                    tokensPerSecond(label),
                    ttft(label),
                    perOutputToken(label),
                    100 * (perOutputToken(label) / perOutputToken(first) - 1)));
            categories.add(label);
            series.get("time per output token p50 (ms)").add(perOutputToken(label));
            series.get("time to first token p50 (ms)").add(ttft(label));
        }
        System.out.println(md);
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".csv"), csv);
        Charts.bars(
                dir.resolve(name + ".png"),
                chartTitle,
                "serving path",
                "milliseconds (median of rounds)",
                categories,
                series);
        return md.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
