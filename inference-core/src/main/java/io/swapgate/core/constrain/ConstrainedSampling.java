package io.swapgate.core.constrain;

import io.swapgate.core.tokenizer.Tokenizer;
import java.util.BitSet;

/**
 * One request's progress through its grammar: before each sampling step it sets the logits of every token that
 * would leave the grammar to minus infinity, and after it follows the chosen token. Sampling, temperature, top-k,
 * top-p and log-probabilities then all see only the allowed tokens, so what is sampled is always a prefix of a valid
 * text. Runs on the engine thread.
 */
public final class ConstrainedSampling {

    private final Grammar grammar;
    private final TokenTrie vocabulary;
    private final Tokenizer tokenizer;
    private final BitSet allowed;
    private int state;

    public ConstrainedSampling(Grammar grammar, TokenTrie vocabulary, Tokenizer tokenizer) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
        this.tokenizer = tokenizer;
        this.allowed = new BitSet(vocabulary.vocabSize());
        this.state = grammar.start();
    }

    /** Masks {@code logits} in place; returns how many tokens stay possible (0: the grammar cannot go on). */
    public int mask(float[] logits) {
        int count = vocabulary.allowed(grammar, state, allowed);
        for (int id = allowed.nextClearBit(0); id < logits.length; id = allowed.nextClearBit(id + 1)) {
            logits[id] = Float.NEGATIVE_INFINITY;
        }
        return count;
    }

    /** Follows a generated (not end-of-sequence) token. */
    public void accept(int token) {
        int next = TokenTrie.advance(grammar, state, tokenizer.tokenBytes(token));
        if (next == Grammar.DEAD) {
            throw new IllegalStateException("token " + token + " was sampled outside the grammar");
        }
        state = next;
    }

    /** Whether the text is complete and nothing may follow: generation ends here. */
    public boolean finished() {
        return grammar.accepting(state) && !grammar.hasMoves(state);
    }
}
