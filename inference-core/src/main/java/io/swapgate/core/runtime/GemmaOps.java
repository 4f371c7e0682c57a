package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.swapgate.core.model.LlamaConfig;

/**
 * Gemma's element-wise steps: GELU in its tanh form (GeGLU's, {@code gelu_pytorch_tanh}) and soft caps of attention
 * scores and logits, cap * tanh(x / cap). Their constants are {@link OwnedScalar}s because training differentiates
 * through all of them.
 */
final class GemmaOps {

    private final NDArray half;
    private final NDArray one;
    private final NDArray cubic;
    private final NDArray rootTwoOverPi;
    /** Null where the model does not cap. */
    private final NDArray scoreCap;

    private final NDArray logitCap;

    GemmaOps(NDManager manager, LlamaConfig.Gemma gemma, DataType type) {
        this.half = constant(manager, 0.5, type);
        this.one = constant(manager, 1, type);
        this.cubic = constant(manager, 0.044715, type);
        this.rootTwoOverPi = constant(manager, Math.sqrt(2 / Math.PI), type);
        this.scoreCap = gemma.attentionSoftCap() > 0 ? constant(manager, gemma.attentionSoftCap(), type) : null;
        this.logitCap = gemma.finalSoftCap() > 0 ? constant(manager, gemma.finalSoftCap(), DataType.FLOAT32) : null;
    }

    /** 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). */
    NDArray gelu(NDArray x) {
        NDArray inner = x.add(x.mul(x).mul(x).mul(cubic)).mul(rootTwoOverPi);
        return x.mul(inner.tanh().add(one)).mul(half);
    }

    NDArray capScores(NDArray scores) {
        return capped(scores, scoreCap);
    }

    /** Logits in float32. */
    NDArray capLogits(NDArray logits) {
        return capped(logits, logitCap);
    }

    private static NDArray capped(NDArray x, NDArray cap) {
        return cap == null ? x : x.div(cap).tanh().mul(cap);
    }

    private static NDArray constant(NDManager manager, double value, DataType type) {
        return OwnedScalar.of(manager, value).toType(type, false);
    }
}
