package io.swapgate.core.engine;

/**
 * How many prompt tokens a step may carry beside the running streams' decode rows: as many as keep the step within
 * {@code stretch} times what a decode step takes once the requests waiting for a free slot decode too. On a CPU a step
 * costs more with every token it carries, so a fixed token budget either stalls the streams (a 64-token chunk made 4
 * streams' steps 13x longer on 2 cores) or feeds prompts needlessly slowly when many streams run and a token costs
 * little next to their step. Pacing by measured time keeps each stream's gaps within {@code stretch} of its pace
 * whatever the model, machine or batch, and still gives a step with no decode rows the whole token budget. The pace is
 * that of the batch about to run, not of the rows decoding now: a burst of requests sets the streams' pace anyway once
 * admitted, and measured against the first few rows' short steps, a burst of 32 was fed in about one prompt a step. A
 * long prompt already being fed in chunks does not count: for its many steps the streams keep their own pace, which
 * is what the stretch protects.
 *
 * <p>Step times are kept per token count as moving averages; a count not measured lately is estimated from the
 * nearest ones that were (linearly between two, in proportion to one). A measurement ages out after
 * {@value #MAX_AGE} steps without another of its count: a slow step (the JIT still compiling, a pause) at a count the
 * budget then keeps steps from reaching would otherwise never be measured again, and would hold every later budget
 * down; and a step counts for at most twice its estimate. Engine thread only.
 */
final class PrefillPacing {

    /** Weight of the newest step in a count's moving average: steps drift as the streams' histories grow. */
    private static final double NEWEST = 0.25;
    /**
     * Steps after which a count's measurement, not renewed, no longer counts. 32 requests of 32 tokens arriving at once
     * on the 85.7M peer model, 2 cores, once warm: 34-37 steps with ages against 36-103 without for 5-token prompts,
     * 49-58 against 192-198 for 14-token ones (docs/benchmarks.md).
     */
    static final int MAX_AGE = 64;
    /** The most a step counts for, in times its estimate: a pause or a compilation is not what the next one costs. */
    private static final double OUTLIER = 2;

    private final int tokenBudget;
    private final double stretch;
    private final int maxRows;
    /** Moving average of step nanoseconds by the step's token count; 0 where none was measured. */
    private final double[] nanosByTokens;
    /** For each count, the number of the step that last measured it. */
    private final long[] measuredAt;
    /** Steps recorded so far. */
    private long steps;

    /**
     * @param tokenBudget the most prompt tokens any step carries
     * @param stretch how much longer than a decode-only step a step with prompt tokens may take; 0 for no pacing
     *     (every step gets the token budget)
     * @param maxRows the most rows a step has besides its prompt tokens (the batch size)
     */
    PrefillPacing(int tokenBudget, double stretch, int maxRows) {
        if (tokenBudget <= 0 || !(stretch == 0 || stretch >= 1) || maxRows <= 0) {
            throw new IllegalArgumentException(
                    "invalid prefill pacing: budget " + tokenBudget + ", stretch " + stretch + ", rows " + maxRows);
        }
        this.tokenBudget = tokenBudget;
        this.stretch = stretch;
        this.maxRows = maxRows;
        this.nanosByTokens = new double[tokenBudget + maxRows + 1];
        this.measuredAt = new long[nanosByTokens.length];
    }

    /**
     * A step of {@code tokens} tokens in all took {@code nanos}: counted as at most {@value #OUTLIER} times the
     * estimate, so that one pause moves the average a little, while slower steps that keep coming move it on.
     */
    void record(int tokens, long nanos) {
        if (tokens <= 0 || tokens >= nanosByTokens.length || nanos <= 0) {
            return;
        }
        double expected = estimate(tokens);
        double sample = Double.isNaN(expected) ? (double) nanos : Math.min((double) nanos, OUTLIER * expected);
        steps++;
        double previous = nanosByTokens[tokens];
        nanosByTokens[tokens] = measured(tokens) ? previous + NEWEST * (sample - previous) : sample;
        measuredAt[tokens] = steps;
        keepRising();
    }

    /**
     * Lowers each measured count's time to the least of those measured above it, never raising one: a step costs no
     * less with more tokens. Without this a cold first step (5 tokens in 734 ms, while the JIT still compiled, where 32
     * took 130 later) made every count below the next measured one look dearer than the whole batch's step, and held
     * prompts to a token or two a step until it aged out. One walk down the table, a few hundred entries.
     */
    private void keepRising() {
        double ceiling = Double.POSITIVE_INFINITY;
        for (int count = nanosByTokens.length - 1; count > 0; count--) {
            if (measured(count)) {
                ceiling = Math.min(ceiling, nanosByTokens[count]);
                nanosByTokens[count] = ceiling;
            }
        }
    }

    /** Whether count {@code tokens} has a measurement that has not aged out. */
    private boolean measured(int tokens) {
        return nanosByTokens[tokens] != 0 && steps - measuredAt[tokens] <= MAX_AGE;
    }

    /**
     * The prompt tokens the next step may carry beside {@code decodeRows} decode rows, with {@code joiningRows} more
     * rows about to decode beside them: the whole budget when there are no decode rows (no stream to stall), or nothing
     * is measured yet, or pacing is off; otherwise the most tokens, at least one, whose estimated step stays within the
     * stretch of a step of all those rows decoding. One walk up the measured counts, so a large budget costs a step no
     * more than its length.
     */
    int tokens(int decodeRows, int joiningRows) {
        if (stretch == 0 || decodeRows <= 0) {
            return tokenBudget;
        }
        double pace = estimate(Math.min(decodeRows + joiningRows, maxRows));
        if (Double.isNaN(pace)) {
            return tokenBudget;
        }
        double limit = stretch * pace;
        int below = 0;
        int above = measuredAbove(0);
        int tokens = 1;
        for (; tokens < tokenBudget; tokens++) {
            int total = decodeRows + tokens + 1;
            while (above < nanosByTokens.length && above <= total) {
                below = above;
                above = measuredAbove(above);
            }
            if (!(estimate(total, below, above) <= limit)) {
                break;
            }
        }
        return tokens;
    }

    /** Estimated nanoseconds of a step of {@code tokens} tokens; NaN when no step was measured. */
    double estimate(int tokens) {
        int below = Math.min(tokens, nanosByTokens.length - 1);
        while (below > 0 && !measured(below)) {
            below--;
        }
        return estimate(tokens, below, measuredAbove(below));
    }

    /**
     * The estimate of {@code tokens} from the nearest measured counts: {@code below} at or under it (0 for none),
     * {@code above} over it (the table's length for none). Between two, linear; beyond one, in proportion to it.
     */
    private double estimate(int tokens, int below, int above) {
        boolean hasAbove = above < nanosByTokens.length;
        if (below > 0 && (below == tokens || !hasAbove)) {
            return nanosByTokens[below] * tokens / below;
        }
        if (below > 0) {
            double share = (double) (tokens - below) / (above - below);
            return nanosByTokens[below] + share * (nanosByTokens[above] - nanosByTokens[below]);
        }
        return hasAbove ? nanosByTokens[above] * tokens / above : Double.NaN;
    }

    /** The first measured count over {@code count}, or the table's length when none is. */
    private int measuredAbove(int count) {
        int above = count + 1;
        while (above < nanosByTokens.length && !measured(above)) {
            above++;
        }
        return above;
    }
}
