package io.swapgate.core.sampling;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could still turn out to be the start of a stop string is
 * held back, so nothing emitted ever contains (part of) a stop string.
 */
public final class StopStringMatcher {

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    public StopStringMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    /** Accepts decoded text and returns what is safe to emit now. */
    public String accept(String text) {
        if (stopped) {
            return "";
        }
        held.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = held.substring(0, earliest);
            held.setLength(0);
            return out;
        }
        int keep = longestSuffixThatStartsAStop();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Releases held text once generation ends for another reason. */
    public String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    private int longestSuffixThatStartsAStop() {
        int best = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, held.length()); length > best; length--) {
                if (held.toString().regionMatches(held.length() - length, stop, 0, length)) {
                    best = length;
                    break;
                }
            }
        }
        return best;
    }
}
