package io.swapgate.core.runtime;

/**
 * What one forward step yields per row, after the row's last token.
 *
 * @param logits [rows][vocab]
 * @param hidden the final normalised hidden state [rows][dim], the classifier's input
 */
public record StepOutput(float[][] logits, float[][] hidden) {}
