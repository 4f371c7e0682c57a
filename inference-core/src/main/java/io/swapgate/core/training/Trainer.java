package io.swapgate.core.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.runtime.OwnedScalar;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Trains one adapter on the frozen base model: AdamW with warm-up and cosine decay, global-norm gradient clipping,
 * micro-batches whose gradients add up to one step, and early stopping on a validation split (the best parameters
 * seen are kept). Each micro-batch and each optimizer step is one task on the {@link EngineThread}, so serving
 * interleaves with training. The same seed, examples and parent give the same adapter, and so does a run that
 * resumed from a checkpoint of that run. Micro-batches shrink to fit the {@link ActivationMemory} budget.
 */
public final class Trainer {

    private final SequenceForward forward;
    private final TargetLosses losses;
    private final Evaluator evaluator;
    private final EngineThread engine;
    private final ActivationMemory memory;

    public Trainer(SequenceForward forward, EngineThread engine, ActivationMemory memory) {
        this.forward = forward;
        this.memory = memory;
        this.losses = new TargetLosses(forward);
        this.evaluator = new Evaluator(forward, engine);
        this.engine = engine;
    }

    /** Trains without checkpoints. */
    public TrainingResult train(
            TrainingConfig config,
            List<TokenizedExample> examples,
            Adapter parent,
            AdapterIdentity identity,
            Consumer<TrainingProgress> progress,
            BooleanSupplier cancelled)
            throws Exception {
        return train(config, examples, parent, identity, progress, cancelled, Checkpoints.NONE);
    }

    /**
     * @param parent the adapter to continue from (its shape wins over the config's), or null to start afresh
     * @param cancelled polled between steps; when true the run ends with a {@link CancellationException}
     * @param checkpoints where the run saves a checkpoint every few steps, and whose latest checkpoint it goes on
     *                    from when that checkpoint is of this very run (same config, parent and examples)
     */
    public TrainingResult train(
            TrainingConfig config,
            List<TokenizedExample> examples,
            Adapter parent,
            AdapterIdentity identity,
            Consumer<TrainingProgress> progress,
            BooleanSupplier cancelled,
            Checkpoints checkpoints)
            throws Exception {
        // A temperature cannot prefer one completion to another or unlearn one: a TempNet learns from completions.
        List<TokenizedExample> usable = config.kind() == AdapterKind.TEMPNET
                ? examples.stream().filter(TokenizedExample::isLikelihood).toList()
                : examples;
        if (usable.isEmpty()) {
            throw new IllegalArgumentException(
                    examples.isEmpty()
                            ? "no examples to train on"
                            : "a TempNet learns from"
                                    + " completions and positively scored feedback, and these examples are all preferences or negative feedback");
        }
        List<TokenizedExample> train = new ArrayList<>(usable);
        Collections.shuffle(train, new java.util.Random(config.seed()));
        int validationSize = train.size() >= 10 ? (int) Math.round(train.size() * config.validationFraction()) : 0;
        List<TokenizedExample> validation = new ArrayList<>(train.subList(0, validationSize));
        train = new ArrayList<>(train.subList(validationSize, train.size()));
        String fingerprint = RunFingerprint.of(config, parent, train, validation);

        SplittableRandom random = new SplittableRandom(config.seed());
        try (Trainable trainable = parent == null
                ? engine.run(() -> Trainables.fresh(config, forward, random))
                : Trainables.from(parent, forward)) {
            int microBatch = microBatchSize(trainable, config, train);
            trainable.parameters().requireGradients();
            AdamW optimizer = new AdamW(trainable.parameters(), config.weightDecay());
            LearningRateSchedule schedule =
                    new LearningRateSchedule(config.learningRate(), config.warmupSteps(), config.maxSteps());
            // DPO's reference is where the run starts: the version it continues, or the base model.
            ReferenceLogProbabilities reference = evaluator.referenceLogProbabilities(
                    Trainables.served(parent == null ? null : trainable, losses), usable);
            BatchLoss objective = Trainables.objective(trainable, losses, withRhoByRule(config, train), reference);

            Run run = new Run();
            TrainingCheckpoint saved = checkpoints
                    .latest()
                    .filter(c -> c.fingerprint().equals(fingerprint))
                    .orElse(null);
            if (saved != null) {
                engine.run(() -> run.resume(saved, trainable, optimizer));
            }
            int resumedFrom = run.step;
            long started = System.nanoTime();
            boolean stoppedEarly = false;
            while (run.step < config.maxSteps()) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("training cancelled at step " + run.step);
                }
                int step = ++run.step;
                List<TokenizedExample> batch = batchFor(train, step, config);
                trainable.beforeStep(new SplittableRandom(config.seed() * 31 + step));
                run.trainLoss = learn(optimizer, objective, batch, microBatch, config, schedule.at(step));
                double validationLoss = Double.NaN;
                if (!validation.isEmpty() && (step % config.evalEvery() == 0 || step == config.maxSteps())) {
                    trainable.afterTraining();
                    validationLoss = evaluator.objectiveLoss(objective, validation);
                    stoppedEarly = run.validated(validationLoss, trainable, config) && step < config.maxSteps();
                }
                long elapsed = (System.nanoTime() - started) / 1_000_000;
                long eta = stoppedEarly ? 0 : elapsed * (config.maxSteps() - step) / (step - resumedFrom);
                progress.accept(new TrainingProgress(
                        step, config.maxSteps(), run.trainLoss, validationLoss, elapsed, eta, resumedFrom));
                if (stoppedEarly) {
                    break;
                }
                if (checkpoints.every() > 0 && step % checkpoints.every() == 0 && step < config.maxSteps()) {
                    checkpoints.save(engine.run(() -> run.checkpoint(fingerprint, trainable, optimizer)));
                }
            }
            if (run.best != null) {
                trainable.parameters().restore(run.best);
            }
            trainable.afterTraining();
            return new TrainingResult(
                    trainable.export(identity), run.step, stoppedEarly, run.trainLoss, run.bestValidation);
        }
    }

    /** Where a run is between steps: everything a checkpoint holds besides the parameters and the optimizer. */
    private static final class Run {
        int step;
        double trainLoss = Double.NaN;
        double bestValidation = Double.NaN;
        List<float[]> best;
        int evaluationsWithoutGain;

        /** Keeps the parameters if the validation loss is the best yet; returns whether patience ran out. */
        boolean validated(double validationLoss, Trainable trainable, TrainingConfig config) {
            if (!(validationLoss >= bestValidation - 1e-4)) {
                bestValidation = validationLoss;
                best = trainable.parameters().snapshot();
                evaluationsWithoutGain = 0;
                return false;
            }
            return ++evaluationsWithoutGain >= config.patience();
        }

        TrainingCheckpoint checkpoint(String fingerprint, Trainable trainable, AdamW optimizer) {
            return new TrainingCheckpoint(
                    fingerprint,
                    step,
                    trainLoss,
                    bestValidation,
                    evaluationsWithoutGain,
                    trainable.parameters().snapshot(),
                    best == null ? List.of() : best,
                    optimizer.state());
        }

        Void resume(TrainingCheckpoint checkpoint, Trainable trainable, AdamW optimizer) {
            trainable.parameters().restore(checkpoint.parameters());
            optimizer.restore(checkpoint.optimizer());
            step = checkpoint.step();
            trainLoss = checkpoint.trainLoss();
            bestValidation = checkpoint.bestValidation();
            best = checkpoint.best().isEmpty() ? null : checkpoint.best();
            evaluationsWithoutGain = checkpoint.evaluationsWithoutGain();
            return null;
        }
    }

    /** The step's examples: the next batch of an order reshuffled (by seed and epoch) at each pass over the data. */
    private static List<TokenizedExample> batchFor(List<TokenizedExample> train, int step, TrainingConfig config) {
        int size = Math.min(config.batchSize(), train.size());
        List<TokenizedExample> batch = new ArrayList<>(size);
        long first = (long) (step - 1) * size;
        for (long i = first; i < first + size; i++) {
            int epoch = (int) (i / train.size());
            batch.add(epochOrder(train, epoch, config.seed()).get((int) (i % train.size())));
        }
        return batch;
    }

    private static List<TokenizedExample> epochOrder(List<TokenizedExample> train, int epoch, long seed) {
        List<TokenizedExample> order = new ArrayList<>(train);
        Collections.shuffle(order, new java.util.Random(seed * 1_000_003L + epoch));
        return order;
    }

    /**
     * A DRO-trained TempNet without a radius gets the target-entropy rule's: its loss drives every step's distribution
     * to entropy log V − rho, so rho = log V − the mean entropy under the best fixed temperature on the training
     * examples keeps the average where the data says it belongs, and lets the network move each step around it.
     */
    private TrainingConfig withRhoByRule(TrainingConfig config, List<TokenizedExample> train) throws Exception {
        if (config.kind() != AdapterKind.TEMPNET
                || config.tempNetObjective() != TempNetObjective.DRO
                || !Float.isNaN(config.rho())) {
            return config;
        }
        FixedTemperature fixed = evaluator.bestFixedTemperature(train, config.tauMin(), config.tauMax());
        double rho = Math.log(forward.config().vocabSize()) - fixed.entropy();
        return config.withTempNet(TempNetObjective.DRO, (float) Math.max(1e-3, rho));
    }

    /** The config's micro-batch size, or less where the longest example would not fit the memory budget. */
    private int microBatchSize(Trainable trainable, TrainingConfig config, List<TokenizedExample> train) {
        int longest = train.stream()
                .mapToInt(e -> Math.max(e.tokens().length, e.isPreference() ? e.rejectedTokens().length : 0))
                .max()
                .orElse(1);
        int rowsPerExample = train.stream().anyMatch(TokenizedExample::isPreference) ? 2 : 1;
        SequenceHooks hooks = trainable instanceof SequenceHooks h ? h : SequenceHooks.NONE;
        int virtual = hooks.virtualTokens() == null
                ? 0
                : (int) hooks.virtualTokens().getShape().get(0);
        int prefix = hooks.prefix(0, false) == null
                ? 0
                : (int) hooks.prefix(0, false).getShape().get(0);
        return memory.microBatchSize(
                forward.config(), config.microBatchSize(), longest, rowsPerExample, virtual, prefix);
    }

    /** One optimizer step over the batch's micro-batches; returns the mean loss per target. */
    private double learn(
            AdamW optimizer,
            BatchLoss objective,
            List<TokenizedExample> batch,
            int microBatch,
            TrainingConfig config,
            double learningRate)
            throws Exception {
        int targets = batch.stream().mapToInt(TokenizedExample::targets).sum();
        double summed = 0;
        for (int from = 0; from < batch.size(); from += microBatch) {
            TokenBatch micro = TokenBatch.of(batch.subList(from, Math.min(batch.size(), from + microBatch)));
            summed += engine.run(() -> backward(objective, micro, targets));
        }
        if (!Double.isFinite(summed)) {
            throw new ArithmeticException("the training loss is not finite: training diverged");
        }
        engine.run(() -> optimizer.step(learningRate, config.clipNorm()));
        return summed / targets;
    }

    /** Adds the micro-batch's share of the step's mean loss to the gradients; returns its summed loss. */
    private double backward(BatchLoss objective, TokenBatch micro, int stepTargets) {
        try (NDManager scope = NDManager.newBaseManager(forward.device());
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray loss = objective.of(micro, scope);
            collector.backward(loss.div(OwnedScalar.of(scope, stepTargets)));
            return loss.getFloat();
        }
    }
}
