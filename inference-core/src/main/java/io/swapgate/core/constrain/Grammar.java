package io.swapgate.core.constrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A compiled constraint: the deterministic automaton over UTF-8 bytes that accepts exactly the texts a pattern or
 * schema allows. It is built whole when the request is admitted (subset construction over the byte ranges the states
 * distinguish), so a constraint too large to enforce is refused before generation rather than during it, and it is
 * immutable afterwards: one grammar serves any number of requests.
 */
public final class Grammar {

    /** More DFA states than any schema a request plausibly needs. */
    static final int MAX_STATES = 20_000;

    static final int DEAD = -1;

    private final String description;
    private final int[][] transitions; // [state][byte] -> state or DEAD
    private final boolean[] accepting;
    private final boolean[] hasMoves;

    private Grammar(String description, int[][] transitions, boolean[] accepting) {
        this.description = description;
        this.transitions = transitions;
        this.accepting = accepting;
        this.hasMoves = new boolean[transitions.length];
        for (int s = 0; s < transitions.length; s++) {
            hasMoves[s] = Arrays.stream(transitions[s]).anyMatch(t -> t != DEAD);
        }
    }

    /** A grammar for the whole-text regular expression {@code regex}. */
    public static Grammar regex(String regex) {
        ByteNfa nfa = new ByteNfa();
        return determinize("regex", nfa, Pattern.parse(regex).build(nfa));
    }

    /** A grammar for JSON documents valid under {@code schema} (see {@link JsonSchemaGrammar} for what is enforced). */
    public static Grammar jsonSchema(com.fasterxml.jackson.databind.JsonNode schema) {
        ByteNfa nfa = new ByteNfa();
        return determinize("json_schema", nfa, new JsonSchemaGrammar(nfa, schema).build());
    }

    /** Any JSON object, with objects and arrays nested up to {@link JsonSchemaGrammar#MAX_GENERIC_DEPTH} levels in it. */
    public static Grammar jsonObject() {
        ByteNfa nfa = new ByteNfa();
        return determinize("json_object", nfa, JsonSchemaGrammar.anyObject(nfa));
    }

    static Grammar determinize(String description, ByteNfa nfa, ByteNfa.Fragment fragment) {
        int accept = fragment.end();
        Budget budget = new Budget(description);
        Map<StateSet, Integer> index = new HashMap<>();
        List<int[]> sets = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        int[] start = closure(nfa, new int[] {fragment.start()}, budget);
        index.put(new StateSet(start), 0);
        sets.add(start);
        budget.hold(start.length);
        for (int s = 0; s < sets.size(); s++) {
            int[] set = sets.get(s);
            int[] row = new int[256];
            Arrays.fill(row, DEAD);
            // Bytes the member states tell apart: between two boundaries every byte leads to the same set.
            TreeSet<Integer> boundaries = new TreeSet<>(List.of(0, 256));
            for (int state : set) {
                for (int i = 0; i < nfa.rangeCount(state); i++) {
                    boundaries.add(nfa.rangeLo(state, i));
                    boundaries.add(nfa.rangeHi(state, i) + 1);
                }
            }
            Integer lo = boundaries.first();
            for (Integer hi = boundaries.higher(lo); hi != null; lo = hi, hi = boundaries.higher(hi)) {
                int[] moved = move(nfa, set, lo, budget);
                if (moved.length == 0) {
                    continue;
                }
                int[] target = closure(nfa, moved, budget);
                StateSet key = new StateSet(target);
                Integer id = index.get(key);
                if (id == null) {
                    if (sets.size() >= MAX_STATES) {
                        throw new ConstraintException("the " + description + " is too large to enforce (over "
                                + MAX_STATES + " automaton states)");
                    }
                    budget.hold(target.length);
                    id = sets.size();
                    index.put(key, id);
                    sets.add(target);
                }
                Arrays.fill(row, lo, hi, id);
            }
            rows.add(row);
        }
        boolean[] accepting = new boolean[sets.size()];
        for (int s = 0; s < sets.size(); s++) {
            accepting[s] = Arrays.binarySearch(sets.get(s), accept) >= 0;
        }
        return new Grammar(description, rows.toArray(int[][]::new), accepting);
    }

    private static int[] move(ByteNfa nfa, int[] set, int b, Budget budget) {
        BitSet out = new BitSet(nfa.size());
        for (int state : set) {
            budget.spend(nfa.rangeCount(state));
            for (int i = 0; i < nfa.rangeCount(state); i++) {
                if (nfa.rangeLo(state, i) <= b && b <= nfa.rangeHi(state, i)) {
                    out.set(nfa.rangeTarget(state, i));
                }
            }
        }
        return out.stream().toArray();
    }

    private static int[] closure(ByteNfa nfa, int[] states, Budget budget) {
        BitSet seen = new BitSet(nfa.size());
        int[] stack = new int[Math.max(16, states.length)];
        int depth = 0;
        for (int s : states) {
            if (!seen.get(s)) {
                seen.set(s);
                stack = push(stack, depth++, s);
            }
        }
        while (depth > 0) {
            int s = stack[--depth];
            budget.spend(1 + nfa.epsilonCount(s));
            for (int i = 0; i < nfa.epsilonCount(s); i++) {
                int t = nfa.epsilon(s, i);
                if (!seen.get(t)) {
                    seen.set(t);
                    stack = push(stack, depth++, t);
                }
            }
        }
        return seen.stream().toArray();
    }

    private static int[] push(int[] stack, int at, int value) {
        int[] grown = at < stack.length ? stack : Arrays.copyOf(stack, stack.length * 2);
        grown[at] = value;
        return grown;
    }

    /** A DFA state's member NFA states (sorted), as a map key. */
    private record StateSet(int[] members) {
        @Override
        public boolean equals(Object other) {
            return other instanceof StateSet set && Arrays.equals(members, set.members);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(members);
        }

        @Override
        public String toString() {
            return Arrays.toString(members);
        }
    }

    /**
     * What one compilation may cost, so that a short hostile pattern (a repetition of repetitions, whose DFA states
     * each hold thousands of NFA states) is refused in a fraction of a second instead of taking a worker thread for
     * minutes or the heap with it: NFA states held across all DFA states (memory), and NFA transitions examined
     * (time).
     */
    private static final class Budget {
        /** About 8 MB of member lists. */
        static final long HELD = 2_000_000;
        /** About a quarter of a second on this machine. */
        static final long WORK = 50_000_000;

        private final String description;
        private long held;
        private long work;

        Budget(String description) {
            this.description = description;
        }

        void hold(int members) {
            held += members;
            if (held > HELD) {
                throw tooComplex();
            }
        }

        void spend(int steps) {
            work += steps;
            if (work > WORK) {
                throw tooComplex();
            }
        }

        private ConstraintException tooComplex() {
            return new ConstraintException("the " + description
                    + " is too complex to enforce (its automaton grows past what one request may compile)");
        }
    }

    /** Memory the compiled automaton holds: what a cache of grammars should count. */
    public long retainedBytes() {
        return (long) transitions.length * (256 * Integer.BYTES + 16 + 2) + description.length() + 64;
    }

    public int start() {
        return 0;
    }

    /** The state after {@code b} (0-255), or {@link #DEAD}. */
    public int next(int state, int b) {
        return transitions[state][b];
    }

    /** Whether the text read so far is complete. */
    public boolean accepting(int state) {
        return accepting[state];
    }

    /** Whether any byte can follow. */
    public boolean hasMoves(int state) {
        return hasMoves[state];
    }

    public int states() {
        return transitions.length;
    }

    /** Whether the whole of {@code bytes} is accepted (for tests and diagnostics). */
    public boolean matches(byte[] bytes) {
        int state = start();
        for (byte b : bytes) {
            state = next(state, b & 0xff);
            if (state == DEAD) {
                return false;
            }
        }
        return accepting(state);
    }

    @Override
    public String toString() {
        return description + " (" + states() + " states)";
    }
}
