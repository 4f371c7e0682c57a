package io.swapgate.core.constrain;

import io.swapgate.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's vocabulary as a trie of the tokens' bytes, built once per model: which tokens a grammar state allows is
 * found by walking the trie and the automaton together, pruning a branch at its first dead byte, so a step costs the
 * live part of the vocabulary rather than all of it. Tokens that end a sequence are kept apart: they are allowed only
 * where the text is complete. Tokens without bytes (control tokens) are never allowed.
 */
public final class TokenTrie {

    private final int vocabSize;
    private final int[] endTokens;
    // Node arrays: the byte leading into the node, first child, next sibling, and the tokens ending at the node.
    private final int[] label;
    private final int[] firstChild;
    private final int[] nextSibling;
    private final int[][] tokensAt;

    private TokenTrie(int vocabSize, int[] endTokens, List<int[]> nodes, List<int[]> tokens) {
        this.vocabSize = vocabSize;
        this.endTokens = endTokens;
        int n = nodes.size();
        this.label = new int[n];
        this.firstChild = new int[n];
        this.nextSibling = new int[n];
        this.tokensAt = new int[n][];
        for (int i = 0; i < n; i++) {
            label[i] = nodes.get(i)[0];
            firstChild[i] = nodes.get(i)[1];
            nextSibling[i] = nodes.get(i)[2];
            tokensAt[i] = tokens.get(i);
        }
    }

    public static TokenTrie of(Tokenizer tokenizer) {
        int vocab = tokenizer.vocabSize();
        List<int[]> nodes = new ArrayList<>(); // label, firstChild, nextSibling
        List<int[]> tokens = new ArrayList<>();
        nodes.add(new int[] {-1, -1, -1});
        tokens.add(new int[0]);
        List<Integer> ends = new ArrayList<>();
        for (int id = 0; id < vocab; id++) {
            if (tokenizer.endsSequence(id)) {
                ends.add(id);
                continue;
            }
            byte[] bytes = tokenizer.tokenBytes(id);
            if (bytes.length == 0) {
                continue;
            }
            int node = 0;
            for (byte value : bytes) {
                int b = value & 0xff;
                int child = nodes.get(node)[1];
                while (child >= 0 && nodes.get(child)[0] != b) {
                    child = nodes.get(child)[2];
                }
                if (child < 0) {
                    child = nodes.size();
                    nodes.add(new int[] {b, -1, nodes.get(node)[1]});
                    tokens.add(new int[0]);
                    nodes.get(node)[1] = child;
                }
                node = child;
            }
            int[] here = tokens.get(node);
            int[] more = Arrays.copyOf(here, here.length + 1);
            more[here.length] = id;
            tokens.set(node, more);
        }
        return new TokenTrie(vocab, ends.stream().mapToInt(Integer::intValue).toArray(), nodes, tokens);
    }

    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Marks in {@code allowed} (cleared first) the tokens that keep {@code grammar} alive from {@code state}; returns
     * how many. End-of-sequence tokens count where the state is accepting.
     */
    public int allowed(Grammar grammar, int state, java.util.BitSet allowed) {
        allowed.clear();
        int count = 0;
        if (grammar.accepting(state)) {
            for (int id : endTokens) {
                allowed.set(id);
                count++;
            }
        }
        // Depth-first over (trie node, grammar state) pairs from the root (which ends no token).
        int[] nodeStack = new int[64];
        int[] stateStack = new int[64];
        int top = 1;
        stateStack[0] = state;
        while (top > 0) {
            int node = nodeStack[--top];
            int at = stateStack[top];
            for (int id : tokensAt[node]) {
                allowed.set(id);
                count++;
            }
            for (int child = firstChild[node]; child >= 0; child = nextSibling[child]) {
                int next = grammar.next(at, label[child]);
                if (next != Grammar.DEAD) {
                    if (top == nodeStack.length) {
                        nodeStack = Arrays.copyOf(nodeStack, top * 2);
                        stateStack = Arrays.copyOf(stateStack, top * 2);
                    }
                    nodeStack[top] = child;
                    stateStack[top++] = next;
                }
            }
        }
        return count;
    }

    /** The grammar state after {@code token}'s bytes, or {@link Grammar#DEAD}. */
    public static int advance(Grammar grammar, int state, byte[] bytes) {
        int at = state;
        for (byte b : bytes) {
            at = grammar.next(at, b & 0xff);
            if (at == Grammar.DEAD) {
                return Grammar.DEAD;
            }
        }
        return at;
    }
}
