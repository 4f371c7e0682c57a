package io.swapgate.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What a load run measured: aggregate output tokens per second over the run, time to first token, inter-token
 * latency (each piece's gap spread over its tokens), time per output token per request, end-to-end latency, errors.
 * Latencies in milliseconds.
 */
record LoadSummary(
        String label,
        int requests,
        int errors,
        long tokens,
        double seconds,
        double tokensPerSecond,
        double[] ttft,
        double[] interToken,
        double[] perOutputToken,
        double[] endToEnd) {

    /** p50, p90, p99. */
    static final int[] PERCENTILES = {50, 90, 99};

    static LoadSummary of(String label, List<LoadGenerator.Trace> traces) {
        long first = traces.stream().mapToLong(t -> t.started).min().orElse(0);
        long last = traces.stream().mapToLong(t -> t.ended).max().orElse(0);
        List<Double> ttft = new ArrayList<>();
        List<Double> gaps = new ArrayList<>();
        List<Double> perToken = new ArrayList<>();
        List<Double> endToEnd = new ArrayList<>();
        long tokens = 0;
        int errors = 0;
        for (LoadGenerator.Trace trace : traces) {
            if (trace.error != null) {
                errors++;
                continue;
            }
            List<long[]> pieces = new ArrayList<>(trace.pieces);
            tokens += trace.tokens();
            endToEnd.add((trace.ended - trace.started) / 1e6);
            if (pieces.isEmpty()) {
                continue;
            }
            ttft.add((pieces.get(0)[0] - trace.started) / 1e6);
            for (int i = 1; i < pieces.size(); i++) {
                double gap = (pieces.get(i)[0] - pieces.get(i - 1)[0]) / 1e6;
                for (int t = 0; t < pieces.get(i)[1]; t++) {
                    gaps.add(gap / pieces.get(i)[1]);
                }
            }
            if (trace.tokens() > 1) {
                perToken.add((pieces.get(pieces.size() - 1)[0] - pieces.get(0)[0]) / 1e6 / (trace.tokens() - 1));
            }
        }
        double seconds = (last - first) / 1e9;
        return new LoadSummary(
                label,
                traces.size(),
                errors,
                tokens,
                seconds,
                tokens / seconds,
                percentiles(ttft),
                percentiles(gaps),
                percentiles(perToken),
                percentiles(endToEnd));
    }

    /** p50, p90 and p99 ({@link #PERCENTILES}) by nearest rank; NaN for no values. */
    static double[] percentiles(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        double[] out = new double[PERCENTILES.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = sorted.isEmpty()
                    ? Double.NaN
                    : sorted.get(
                            Math.min(sorted.size() - 1, (int) Math.ceil(PERCENTILES[i] / 100.0 * sorted.size()) - 1));
        }
        return out;
    }

    static String markdownHeader() {
        return "| run | requests | errors | tokens/s | TTFT p50 / p90 / p99 ms | inter-token p50 / p90 / p99 ms"
                + " | time per output token p50 ms | end-to-end p50 / p99 ms |\n|---|---:|---:|---:|---|---|---:|---|\n";
    }

    String markdownRow() {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %d | %.0f | %.1f / %.1f / %.1f | %.2f / %.2f / %.2f | %.2f | %.0f / %.0f |%n",
                label,
                requests,
                errors,
                tokensPerSecond,
                ttft[0],
                ttft[1],
                ttft[2],
                interToken[0],
                interToken[1],
                interToken[2],
                perOutputToken[0],
                endToEnd[0],
                endToEnd[2]);
    }

    static String csvHeader() {
        return "run,requests,errors,tokens,seconds,tokens_per_s,ttft_p50_ms,ttft_p90_ms,ttft_p99_ms,itl_p50_ms,itl_p90_ms,"
                + "itl_p99_ms,tpot_p50_ms,tpot_p90_ms,tpot_p99_ms,e2e_p50_ms,e2e_p90_ms,e2e_p99_ms\n";
    }

    String csvRow() {
        StringBuilder row = new StringBuilder(String.format(
                Locale.ROOT, "%s,%d,%d,%d,%.3f,%.2f", label, requests, errors, tokens, seconds, tokensPerSecond));
        for (double[] series : new double[][] {ttft, interToken, perOutputToken, endToEnd}) {
            for (double v : series) {
                row.append(String.format(Locale.ROOT, ",%.3f", v));
            }
        }
        return row.append('\n').toString();
    }
}
