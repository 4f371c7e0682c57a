package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter): Adam's moment estimates with weight decay applied to the weights directly, not
 * through the gradient; gradients are first clipped to a global norm. Updates are written in place through detached
 * views, so they are never part of a graph.
 */
final class AdamW {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final ParameterSet parameters;
    private final double weightDecay;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private int steps;

    AdamW(ParameterSet parameters, double weightDecay) {
        this.parameters = parameters;
        this.weightDecay = weightDecay;
        for (NDArray p : parameters.arrays()) {
            firstMoments.add(parameters.manager().zeros(p.getShape()));
            secondMoments.add(parameters.manager().zeros(p.getShape()));
        }
    }

    /** Clips, updates every parameter, and zeroes the gradients; returns the gradient norm before clipping. */
    double step(double learningRate, double clipNorm) {
        List<NDArray> arrays = parameters.arrays();
        try (NDManager scope = parameters.manager().newSubManager()) {
            List<NDArray> gradients = new ArrayList<>();
            double squares = 0;
            for (NDArray p : arrays) {
                NDArray gradient = p.getGradient();
                gradient.attach(scope);
                gradients.add(gradient);
                squares += gradient.square().sum().getFloat();
            }
            double norm = Math.sqrt(squares);
            if (!Double.isFinite(norm)) {
                throw new ArithmeticException("the gradient is not finite: training diverged");
            }
            double clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
            steps++;
            double correction1 = 1 - Math.pow(BETA1, steps);
            double correction2 = 1 - Math.pow(BETA2, steps);
            for (int i = 0; i < arrays.size(); i++) {
                NDArray g = gradients.get(i).mul(clip);
                NDArray m = view(firstMoments.get(i), scope).muli(BETA1).addi(g.mul(1 - BETA1));
                NDArray v = view(secondMoments.get(i), scope)
                        .muli(BETA2)
                        .addi(g.square().mul(1 - BETA2));
                NDArray weights = view(arrays.get(i), scope);
                NDArray update =
                        m.div(correction1).div(v.div(correction2).sqrt().add(EPSILON));
                if (weightDecay > 0) {
                    update = update.add(weights.mul(weightDecay));
                }
                weights.subi(update.mul(learningRate));
                gradients.get(i).muli(0);
            }
            return norm;
        }
    }

    /** The moments and the step count, for a checkpoint. */
    OptimizerState state() {
        return new OptimizerState(
                steps,
                firstMoments.stream().map(ParameterSet::values).toList(),
                secondMoments.stream().map(ParameterSet::values).toList());
    }

    /** Goes on from a checkpoint's state, taken from an optimizer of the same parameters. */
    void restore(OptimizerState state) {
        if (state.firstMoments().size() != firstMoments.size()
                || state.secondMoments().size() != secondMoments.size()) {
            throw new IllegalArgumentException("the optimizer state is for "
                    + state.firstMoments().size() + " parameters, not " + firstMoments.size());
        }
        for (int i = 0; i < firstMoments.size(); i++) {
            ParameterSet.overwrite(firstMoments.get(i), state.firstMoments().get(i));
            ParameterSet.overwrite(secondMoments.get(i), state.secondMoments().get(i));
        }
        steps = state.steps();
    }

    /** A detached view of {@code array}'s storage owned by {@code scope}, so results computed from it end there too. */
    private static NDArray view(NDArray array, NDManager scope) {
        NDArray view = array.stopGradient();
        view.attach(scope);
        return view;
    }
}
