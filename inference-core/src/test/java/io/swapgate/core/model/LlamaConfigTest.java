package io.swapgate.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The config's text, which base model digests hash, and its derived sizes. */
class LlamaConfigTest {

    private static final LlamaConfig LLAMA = new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 1e-5f, 10000f, null, true);

    @Test
    void aLlamaConfigReadsAsItDidBeforeHeadSizeAndGemmaExisted() {
        // The text records printed before headDim and gemma were components: adapters bound then must still load.
        assertEquals(
                "LlamaConfig[dim=64, hiddenDim=172, layers=5, heads=8, kvHeads=4, vocabSize=512, contextLength=512,"
                        + " normEps=1.0E-5, ropeTheta=10000.0, ropeScaling=null, sharedClassifier=true]",
                LLAMA.toString());
    }

    @Test
    void aWiderHeadAndGemmasTraitsChangeTheText() {
        LlamaConfig wide = shaped(16, null);
        LlamaConfig gemma = shaped(8, new LlamaConfig.Gemma(8, 50, 30, 4096, 2, 10000, 1));
        assertNotEquals(LLAMA.toString(), wide.toString());
        assertNotEquals(LLAMA.toString(), gemma.toString());
        assertEquals(128, wide.queryDim());
        assertEquals(64, wide.kvDim());
        assertEquals(1 / Math.sqrt(16), wide.attentionScale(), 1e-12);
    }

    @Test
    void gemmaSlidesEveryLayerButEachPatternsLast() {
        LlamaConfig gemma3 = shaped(8, new LlamaConfig.Gemma(8, 0, 0, 512, 6, 10000, 8));
        boolean[] sliding = new boolean[12];
        for (int l = 0; l < sliding.length; l++) {
            sliding[l] = gemma3.slidingLayer(l);
        }
        assertEquals(
                "[true, true, true, true, true, false, true, true, true, true, true, false]",
                java.util.Arrays.toString(sliding));
        assertEquals(false, LLAMA.slidingLayer(0));
    }

    @Test
    void anOddHeadSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> shaped(7, null));
    }

    @Test
    void ropeFrequencyFactorsAreOnePerFrequencyAndPartOfTheText() {
        LlamaConfig factors = new LlamaConfig(
                64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000f, null, true, null, java.util.List.of(1f, 2f, 4f, 8f));
        assertEquals(LLAMA.toString().replace("]", ", ropeFrequencyFactors=[1.0, 2.0, 4.0, 8.0]]"), factors.toString());
        assertThrows(
                IllegalArgumentException.class,
                () -> new LlamaConfig(
                        64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000f, null, true, null, java.util.List.of(1f, 2f)));
    }

    private static LlamaConfig shaped(int headDim, LlamaConfig.Gemma gemma) {
        return new LlamaConfig(64, 172, 5, 8, 4, headDim, 512, 512, 1e-5f, 10000f, null, true, gemma, null);
    }
}
