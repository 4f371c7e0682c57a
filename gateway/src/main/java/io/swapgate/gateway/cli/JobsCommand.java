package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.ListTrainingJobsRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swapgate jobs ...}: a running gateway's retraining jobs. */
@Command(
        name = "jobs",
        description = "A running gateway's retraining jobs.",
        footer =
                "Exit codes: 0 done (a followed job was promoted or published), 1 a call or the followed job failed, 2 usage.",
        subcommands = {
            JobsCommand.ListJobs.class,
            JobsCommand.Watch.class,
            JobsCommand.Start.class,
            JobsCommand.Cancel.class
        })
final class JobsCommand {

    private static final Set<String> FINAL = Set.of("PROMOTED", "PUBLISHED", "FAILED", "CANCELLED");

    private JobsCommand() {}

    @Command(name = "list", description = "Jobs with their state and results.")
    static final class ListJobs extends GatewayCall {

        @Option(names = "--adapter", paramLabel = "TENANT/NAME", defaultValue = "", description = "One adapter's jobs.")
        String adapter;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            Table table = new Table("ID", "ADAPTER", "KIND", "STATE", "STEP", "EVAL LOSS", "WAS", "VERSION", "UPDATED");
            for (TrainingJob job : TrainingGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .list(ListTrainingJobsRequest.newBuilder()
                            .setAdapter(adapter)
                            .build())
                    .getJobsList()) {
                table.row(
                        job.getId().substring(0, 8),
                        job.getAdapter(),
                        job.getKind().isEmpty() ? "-" : job.getKind(),
                        job.getState(),
                        job.getStep() + "/" + job.getTotalSteps(),
                        metric(job, "eval_loss"),
                        metric(job, "baseline_eval_loss"),
                        job.getVersion().isEmpty() ? "-" : job.getVersion().substring(0, 12),
                        job.getUpdatedAt());
            }
            table.print(out);
            return 0;
        }
    }

    @Command(name = "watch", description = "Follow jobs live; with ID, a progress bar until it ends.")
    static final class Watch extends GatewayCall {

        @Parameters(paramLabel = "ID", arity = "0..1", description = "The job to follow.")
        String id;

        @Option(names = "--adapter", paramLabel = "TENANT/NAME", defaultValue = "", description = "One adapter's jobs.")
        String adapter;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            if (id != null) {
                return follow(channel, id, out, err);
            }
            Iterator<TrainingJob> changes = TrainingGrpc.newBlockingStub(channel)
                    .watch(WatchTrainingJobsRequest.newBuilder()
                            .setAdapter(adapter)
                            .build());
            while (changes.hasNext()) {
                TrainingJob job = changes.next();
                out.printf(
                        Locale.ROOT,
                        "%s %s %s %s step %d/%d%s%s%n",
                        job.getUpdatedAt(),
                        job.getId().substring(0, 8),
                        job.getAdapter(),
                        job.getState(),
                        job.getStep(),
                        job.getTotalSteps(),
                        job.hasTrainLoss() ? String.format(Locale.ROOT, " loss %.4f", job.getTrainLoss()) : "",
                        job.getReason().isEmpty() ? "" : " (" + job.getReason() + ")");
            }
            return 0;
        }
    }

    @Command(
            name = "start",
            description = {
                "Queue a job (with a dataset to add first), then follow it: a LoRA of rank R,",
                "a DyLoRA of ranks M-R with --lora-min-rank M, a TempNet with the objective given."
            })
    static final class Start extends GatewayCall {

        @Parameters(paramLabel = "TENANT/NAME", description = "The adapter to train.")
        String adapter;

        @Option(
                names = "--kind",
                defaultValue = "",
                description = "lora, prompt, prefix or tempnet (default: the gateway's).")
        String kind;

        @Option(names = "--steps", description = "Optimizer steps (default: the gateway's).")
        int steps;

        @Option(names = "--examples", paramLabel = "FILE.jsonl", description = "Examples to add first.")
        Path examples;

        @Option(names = "--lora-rank", paramLabel = "R", description = "LoRA rank.")
        int loraRank;

        @Option(names = "--lora-min-rank", paramLabel = "M", description = "DyLoRA's smallest rank.")
        int loraMinRank;

        @Option(
                names = "--objective",
                defaultValue = "",
                description = "A TempNet's objective: calibration (default) or dro.")
        String objective;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) throws Exception {
            StartTrainingRequest.Builder request = StartTrainingRequest.newBuilder()
                    .setAdapter(adapter)
                    .setKind(kind)
                    .setSteps(steps)
                    .setLoraRank(loraRank)
                    .setLoraMinRank(loraMinRank)
                    .setTempnetObjective(objective);
            if (examples != null) {
                request.addAllExamples(ExampleFile.read(examples, adapter));
            }
            TrainingJob job = TrainingGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.MINUTES)
                    .start(request.build());
            out.println("queued job " + job.getId() + " for " + adapter);
            return follow(channel, job.getId(), out, err);
        }
    }

    @Command(name = "cancel", description = "Cancel a queued or running job.")
    static final class Cancel extends GatewayCall {

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            TrainingJob job = TrainingGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .cancel(CancelTrainingJobRequest.newBuilder().setId(id).build());
            out.println(job.getId() + " " + job.getState());
            return 0;
        }
    }

    /** A progress bar while the job runs, then its summary; the exit code says whether it produced a version. */
    private static int follow(ManagedChannel channel, String id, PrintWriter out, PrintWriter err) {
        Iterator<TrainingJob> changes = TrainingGrpc.newBlockingStub(channel)
                .watch(WatchTrainingJobsRequest.newBuilder().setId(id).build());
        ProgressBar bar = null;
        TrainingJob job = null;
        while (changes.hasNext()) {
            job = changes.next();
            if ((job.getState().equals("RUNNING") || bar != null) && job.getTotalSteps() > 0) {
                bar = bar != null ? bar : new ProgressBar(err, job.getTotalSteps());
                bar.update(
                        job.getStep(),
                        String.format(
                                Locale.ROOT,
                                "step %d/%d%s%s",
                                job.getStep(),
                                job.getTotalSteps(),
                                job.hasTrainLoss() ? String.format(Locale.ROOT, "  loss %.4f", job.getTrainLoss()) : "",
                                job.getEtaMs() > 0 ? "  ETA " + Math.round(job.getEtaMs() / 1000.0) + " s" : ""));
            }
            if (FINAL.contains(job.getState())) {
                break;
            }
        }
        if (bar != null) {
            err.println();
        }
        if (job == null) {
            throw new IllegalStateException("the gateway ended the watch before job " + id + " reported");
        }
        summarize(job, out);
        return job.getState().equals("PROMOTED") || job.getState().equals("PUBLISHED") ? 0 : 1;
    }

    private static void summarize(TrainingJob job, PrintWriter out) {
        out.printf(
                "job %s for %s: %s after %d of %d steps (attempt %d%s)%n",
                job.getId(),
                job.getAdapter(),
                job.getState(),
                job.getStep(),
                job.getTotalSteps(),
                job.getAttempt(),
                job.getResumedFromStep() > 0
                        ? ", resumed from the checkpoint at step " + job.getResumedFromStep()
                        : "");
        if (!job.getVersion().isEmpty()) {
            out.printf(
                    "  version %s (parent %s)%n",
                    job.getVersion(), job.getParentVersion().isEmpty() ? "none" : job.getParentVersion());
        }
        if (job.getMetricsCount() > 0) {
            out.printf(
                    Locale.ROOT,
                    "  held-out loss %s (current %s), exact match %s (current %s)%n",
                    metric(job, "eval_loss"),
                    metric(job, "baseline_eval_loss"),
                    metric(job, "eval_exact_match"),
                    metric(job, "baseline_eval_exact_match"));
        }
        if (!job.getReason().isEmpty()) {
            out.println("  " + job.getReason());
        }
    }

    private static String metric(TrainingJob job, String name) {
        return job.containsMetrics(name) ? String.format(Locale.ROOT, "%.4f", job.getMetricsOrThrow(name)) : "-";
    }
}
