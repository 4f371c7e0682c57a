package io.swapgate.retraining;

import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.tokenizer.Tokenizer;
import io.swapgate.core.training.Evaluator;
import io.swapgate.core.training.Trainer;

/** The served base model's training side: its trainer and evaluator (both on the engine thread), tokenizer and identity. */
public record TrainingBackend(Trainer trainer, Evaluator evaluator, Tokenizer tokenizer, BaseModelIdentity base) {}
