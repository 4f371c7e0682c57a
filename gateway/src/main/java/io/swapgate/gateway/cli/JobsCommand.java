package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.ListTrainingJobsRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@code swapgate jobs ...}: a running gateway's retraining jobs. */
public final class JobsCommand {

    static final String USAGE = """
            usage: swapgate jobs COMMAND [flags]
              list [--adapter TENANT/NAME]                     jobs with their state and results
              watch [ID] [--adapter TENANT/NAME]               follow jobs live; with ID, a progress bar until it ends
              start TENANT/NAME [--kind lora|prompt|prefix|tempnet] [--steps N] [--examples FILE.jsonl]
                    [--lora-rank R] [--lora-min-rank M]        queue a job (with a dataset to add first), then follow it;
                    [--objective calibration|dro]              a LoRA of rank R, a DyLoRA of ranks M-R with M; a TempNet
                                                               with that objective (default calibration)
              cancel ID                                        cancel a queued or running job
            common flags: --host H (default localhost), --port P (default $SWAPGATE_PORT or 8080),
                          --api-key KEY (default $SWAPGATE_API_KEY)
            exit codes: 0 done (a followed job was promoted or published), 1 a call or the followed job failed, 2 usage
            """;
    private static final Set<String> FINAL = Set.of("PROMOTED", "PUBLISHED", "FAILED", "CANCELLED");

    private JobsCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return GatewayCommand.run(args, USAGE, Set.of("--adapter", "--kind", "--steps", "--examples", "--lora-rank", "--lora-min-rank",
                "--objective"), Set.of(), err,
                (channel, line) -> switch (args[0]) {
                    case "list" -> list(channel, line, out);
                    case "watch" -> watch(channel, line, out, err);
                    case "start" -> start(channel, line, out, err);
                    case "cancel" -> {
                        TrainingJob job = TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .cancel(CancelTrainingJobRequest.newBuilder().setId(line.positionals(1, "ID").get(0)).build());
                        out.println(job.getId() + " " + job.getState());
                        yield 0;
                    }
                    default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
                });
    }

    private static int list(ManagedChannel channel, CommandLine line, PrintStream out) {
        Table table = new Table("ID", "ADAPTER", "KIND", "STATE", "STEP", "EVAL LOSS", "WAS", "VERSION", "UPDATED");
        for (TrainingJob job : TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .list(ListTrainingJobsRequest.newBuilder().setAdapter(line.option("--adapter", "")).build()).getJobsList()) {
            table.row(job.getId().substring(0, 8), job.getAdapter(), job.getKind().isEmpty() ? "-" : job.getKind(), job.getState(),
                    job.getStep() + "/" + job.getTotalSteps(), metric(job, "eval_loss"), metric(job, "baseline_eval_loss"),
                    job.getVersion().isEmpty() ? "-" : job.getVersion().substring(0, 12), job.getUpdatedAt());
        }
        table.print(out);
        return 0;
    }

    private static int start(ManagedChannel channel, CommandLine line, PrintStream out, PrintStream err) throws Exception {
        String adapter = line.positionals(1, "TENANT/NAME").get(0);
        StartTrainingRequest.Builder request = StartTrainingRequest.newBuilder().setAdapter(adapter)
                .setKind(line.option("--kind", "")).setSteps(Integer.parseInt(line.option("--steps", "0")))
                .setLoraRank(Integer.parseInt(line.option("--lora-rank", "0")))
                .setLoraMinRank(Integer.parseInt(line.option("--lora-min-rank", "0")))
                .setTempnetObjective(line.option("--objective", ""));
        String examples = line.option("--examples", null);
        if (examples != null) {
            request.addAllExamples(ExampleFile.read(Path.of(examples), adapter));
        }
        TrainingJob job = TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES).start(request.build());
        out.println("queued job " + job.getId() + " for " + adapter);
        return follow(channel, job.getId(), out, err);
    }

    private static int watch(ManagedChannel channel, CommandLine line, PrintStream out, PrintStream err) {
        if (!line.positionals().isEmpty()) {
            return follow(channel, line.positionals(1, "[ID]").get(0), out, err);
        }
        Iterator<TrainingJob> changes = TrainingGrpc.newBlockingStub(channel)
                .watch(WatchTrainingJobsRequest.newBuilder().setAdapter(line.option("--adapter", "")).build());
        while (changes.hasNext()) {
            TrainingJob job = changes.next();
            out.printf(Locale.ROOT, "%s %s %s %s step %d/%d%s%s%n", job.getUpdatedAt(), job.getId().substring(0, 8),
                    job.getAdapter(), job.getState(), job.getStep(), job.getTotalSteps(),
                    job.hasTrainLoss() ? String.format(Locale.ROOT, " loss %.4f", job.getTrainLoss()) : "",
                    job.getReason().isEmpty() ? "" : " (" + job.getReason() + ")");
        }
        return 0;
    }

    /** A progress bar while the job runs, then its summary; the exit code says whether it produced a version. */
    private static int follow(ManagedChannel channel, String id, PrintStream out, PrintStream err) {
        Iterator<TrainingJob> changes = TrainingGrpc.newBlockingStub(channel)
                .watch(WatchTrainingJobsRequest.newBuilder().setId(id).build());
        ProgressBar bar = null;
        TrainingJob job = null;
        while (changes.hasNext()) {
            job = changes.next();
            if ((job.getState().equals("RUNNING") || bar != null) && job.getTotalSteps() > 0) {
                bar = bar != null ? bar : new ProgressBar(err, job.getTotalSteps());
                bar.update(job.getStep(), String.format(Locale.ROOT, "step %d/%d%s%s", job.getStep(), job.getTotalSteps(),
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

    private static void summarize(TrainingJob job, PrintStream out) {
        out.printf("job %s for %s: %s after %d of %d steps (attempt %d%s)%n", job.getId(), job.getAdapter(), job.getState(),
                job.getStep(), job.getTotalSteps(), job.getAttempt(),
                job.getResumedFromStep() > 0 ? ", resumed from the checkpoint at step " + job.getResumedFromStep() : "");
        if (!job.getVersion().isEmpty()) {
            out.printf("  version %s (parent %s)%n", job.getVersion(), job.getParentVersion().isEmpty() ? "none" : job.getParentVersion());
        }
        if (job.getMetricsCount() > 0) {
            out.printf(Locale.ROOT, "  held-out loss %s (current %s), exact match %s (current %s)%n", metric(job, "eval_loss"),
                    metric(job, "baseline_eval_loss"), metric(job, "eval_exact_match"), metric(job, "baseline_eval_exact_match"));
        }
        if (!job.getReason().isEmpty()) {
            out.println("  " + job.getReason());
        }
    }

    private static String metric(TrainingJob job, String name) {
        return job.containsMetrics(name) ? String.format(Locale.ROOT, "%.4f", job.getMetricsOrThrow(name)) : "-";
    }
}
