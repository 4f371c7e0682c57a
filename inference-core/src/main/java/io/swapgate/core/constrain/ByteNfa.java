package io.swapgate.core.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * A nondeterministic automaton over bytes, built fragment by fragment (Thompson's construction): each state has byte
 * range transitions and epsilon moves. Text is matched as UTF-8, so a character class of non-ASCII characters is a set
 * of byte sequences ({@link #anyCharacterExcept}). Construction is bounded ({@link #MAX_STATES}) so that a hostile
 * pattern or schema cannot make the gateway build an automaton of unbounded size.
 */
final class ByteNfa {

    /** More states than any schema or pattern a request plausibly needs; past it the request is refused. */
    static final int MAX_STATES = 200_000;

    /** A piece of automaton with one entry and one exit state. */
    record Fragment(int start, int end) {}

    private final List<int[]> ranges = new ArrayList<>(); // per state: lo, hi, target triples
    private final List<int[]> epsilons = new ArrayList<>();
    private final List<Integer> rangeCounts = new ArrayList<>();
    private final List<Integer> epsilonCounts = new ArrayList<>();

    int newState() {
        if (ranges.size() >= MAX_STATES) {
            throw new ConstraintException(
                    "the pattern or schema is too large to enforce (over " + MAX_STATES + " automaton states)");
        }
        ranges.add(new int[6]);
        epsilons.add(new int[2]);
        rangeCounts.add(0);
        epsilonCounts.add(0);
        return ranges.size() - 1;
    }

    int size() {
        return ranges.size();
    }

    void addRange(int from, int lo, int hi, int to) {
        int count = rangeCounts.get(from);
        int[] r = ranges.get(from);
        if (3 * count + 3 > r.length) {
            r = java.util.Arrays.copyOf(r, r.length * 2);
            ranges.set(from, r);
        }
        r[3 * count] = lo;
        r[3 * count + 1] = hi;
        r[3 * count + 2] = to;
        rangeCounts.set(from, count + 1);
    }

    void addEpsilon(int from, int to) {
        int count = epsilonCounts.get(from);
        int[] e = epsilons.get(from);
        if (count == e.length) {
            e = java.util.Arrays.copyOf(e, e.length * 2);
            epsilons.set(from, e);
        }
        e[count] = to;
        epsilonCounts.set(from, count + 1);
    }

    int rangeCount(int state) {
        return rangeCounts.get(state);
    }

    /** Transition {@code i} of {@code state}: lo, hi, target. */
    int rangeLo(int state, int i) {
        return ranges.get(state)[3 * i];
    }

    int rangeHi(int state, int i) {
        return ranges.get(state)[3 * i + 1];
    }

    int rangeTarget(int state, int i) {
        return ranges.get(state)[3 * i + 2];
    }

    int epsilonCount(int state) {
        return epsilonCounts.get(state);
    }

    int epsilon(int state, int i) {
        return epsilons.get(state)[i];
    }

    // Fragment builders.

    Fragment empty() {
        int s = newState();
        int e = newState();
        addEpsilon(s, e);
        return new Fragment(s, e);
    }

    Fragment bytes(byte[] literal) {
        int start = newState();
        int at = start;
        for (byte b : literal) {
            int next = newState();
            addRange(at, b & 0xff, b & 0xff, next);
            at = next;
        }
        return new Fragment(start, at);
    }

    Fragment literal(String text) {
        return bytes(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One byte in [lo, hi] for each pair of {@code byteRanges}. */
    Fragment byteClass(int... byteRanges) {
        int s = newState();
        int e = newState();
        for (int i = 0; i < byteRanges.length; i += 2) {
            addRange(s, byteRanges[i], byteRanges[i + 1], e);
        }
        return new Fragment(s, e);
    }

    /**
     * One UTF-8 character: an ASCII byte in {@code ascii} (pairs of inclusive ranges), or, when {@code nonAscii}, any
     * well-formed multi-byte sequence (surrogates and overlongs excluded, as the UTF-8 definition has it).
     */
    Fragment character(int[] ascii, boolean nonAscii) {
        int s = newState();
        int e = newState();
        for (int i = 0; i < ascii.length; i += 2) {
            addRange(s, ascii[i], ascii[i + 1], e);
        }
        if (nonAscii) {
            int cont1 = newState(); // one continuation byte to go
            addRange(cont1, 0x80, 0xBF, e);
            int cont2 = newState();
            addRange(cont2, 0x80, 0xBF, cont1);
            int cont3 = newState();
            addRange(cont3, 0x80, 0xBF, cont2);
            addRange(s, 0xC2, 0xDF, cont1);
            int e0 = newState(); // after E0: A0-BF
            addRange(s, 0xE0, 0xE0, e0);
            addRange(e0, 0xA0, 0xBF, cont1);
            addRange(s, 0xE1, 0xEC, cont2);
            int ed = newState(); // after ED: 80-9F (no surrogates)
            addRange(s, 0xED, 0xED, ed);
            addRange(ed, 0x80, 0x9F, cont1);
            addRange(s, 0xEE, 0xEF, cont2);
            int f0 = newState();
            addRange(s, 0xF0, 0xF0, f0);
            addRange(f0, 0x90, 0xBF, cont2);
            addRange(s, 0xF1, 0xF3, cont3);
            int f4 = newState();
            addRange(s, 0xF4, 0xF4, f4);
            addRange(f4, 0x80, 0x8F, cont2);
        }
        return new Fragment(s, e);
    }

    /** Any character except the ASCII ones listed (pairs of inclusive ranges within 0..127). */
    Fragment anyCharacterExcept(int... excludedAscii) {
        return character(asciiComplement(excludedAscii), true);
    }

    /** The ASCII ranges (pairs, inclusive, within 0..127, in any order) outside the given ones, as sorted pairs. */
    static int[] asciiComplement(int... excludedAscii) {
        List<int[]> excluded = new ArrayList<>();
        for (int i = 0; i < excludedAscii.length; i += 2) {
            excluded.add(new int[] {excludedAscii[i], excludedAscii[i + 1]});
        }
        excluded.sort((x, y) -> Integer.compare(x[0], y[0]));
        List<Integer> allowed = new ArrayList<>();
        int next = 0;
        for (int[] range : excluded) {
            if (range[0] > next) {
                allowed.add(next);
                allowed.add(range[0] - 1);
            }
            next = Math.max(next, range[1] + 1);
        }
        if (next <= 127) {
            allowed.add(next);
            allowed.add(127);
        }
        return allowed.stream().mapToInt(Integer::intValue).toArray();
    }

    Fragment sequence(List<Fragment> parts) {
        if (parts.isEmpty()) {
            return empty();
        }
        for (int i = 0; i + 1 < parts.size(); i++) {
            addEpsilon(parts.get(i).end(), parts.get(i + 1).start());
        }
        return new Fragment(parts.get(0).start(), parts.get(parts.size() - 1).end());
    }

    Fragment sequence(Fragment... parts) {
        return sequence(List.of(parts));
    }

    Fragment alternatives(List<Fragment> options) {
        int s = newState();
        int e = newState();
        for (Fragment option : options) {
            addEpsilon(s, option.start());
            addEpsilon(option.end(), e);
        }
        return new Fragment(s, e);
    }

    Fragment optional(Fragment f) {
        int s = newState();
        int e = newState();
        addEpsilon(s, f.start());
        addEpsilon(f.end(), e);
        addEpsilon(s, e);
        return new Fragment(s, e);
    }

    /** Zero or more. */
    Fragment star(Fragment f) {
        int s = newState();
        int e = newState();
        addEpsilon(s, f.start());
        addEpsilon(f.end(), f.start());
        addEpsilon(f.end(), e);
        addEpsilon(s, e);
        return new Fragment(s, e);
    }
}
