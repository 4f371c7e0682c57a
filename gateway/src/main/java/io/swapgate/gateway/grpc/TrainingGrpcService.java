package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.training.TempNetObjective;
import io.swapgate.gateway.config.SwapgateConfig;
import io.swapgate.gateway.messages.TrainingJobMessages;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.StorageQuota;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.training.ExampleRules;
import io.swapgate.gateway.training.TrainingLoop;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.GetTrainingJobRequest;
import io.swapgate.proto.v1.ListTrainingJobsRequest;
import io.swapgate.proto.v1.ListTrainingJobsResponse;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.Training;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import io.swapgate.registry.RegistryException;
import io.swapgate.retraining.LoraShape;
import io.swapgate.retraining.TrainingJob;
import io.swapgate.retraining.TrainingJobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code swapgate.v1.Training} service: retraining jobs of the caller's tenant (every tenant's for an admin). */
@GrpcService
public class TrainingGrpcService implements Training {

    /** More steps than this in one job is a mistake, not a plan. */
    private static final int MAX_STEPS = 100_000;
    /** A dataset sent with Start; bigger ones belong on Kafka. */
    private static final int MAX_EXAMPLES = 10_000;

    private final TrainingLoop training;
    private final StorageQuota storage;
    private final TenantDirectory tenants;
    private final int defaultLoraRank;
    private final int maxLoraRank;

    TrainingGrpcService(TrainingLoop training, TenantDirectory tenants, SwapgateConfig config, StorageQuota storage) {
        this.storage = storage;
        this.training = training;
        this.tenants = tenants;
        this.defaultLoraRank = config.training().loraRank();
        this.maxLoraRank = config.adapters().maxLoraRank();
    }

    @Override
    @Blocking
    public Uni<io.swapgate.proto.v1.TrainingJob> start(StartTrainingRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            AdapterName adapter = AdapterName.parse(request.getAdapter());
            tenants.access().checkManage(caller, adapter);
            AdapterKind kind = kind(request.getKind());
            if (request.getSteps() < 0 || request.getSteps() > MAX_STEPS) {
                throw new IllegalArgumentException(
                        "steps must be between 0 (the default) and " + MAX_STEPS + ", got " + request.getSteps());
            }
            TrainingJobs jobs = jobs();
            storage.admit(adapter, 0).close(); // a new name counts towards the adapters quota before any work starts
            if (request.getExamplesCount() > 0) {
                training.examples().append(adapter, "grpc", examples(request, adapter));
            }
            return TrainingJobMessages.of(jobs.submit(
                    adapter, kind, loraShape(request, kind), objective(request, kind), request.getSteps(), "manual"));
        });
    }

    @Override
    public Uni<io.swapgate.proto.v1.TrainingJob> get(GetTrainingJobRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> TrainingJobMessages.of(visible(caller, request.getId())));
    }

    @Override
    public Uni<ListTrainingJobsResponse> list(ListTrainingJobsRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            ListTrainingJobsResponse.Builder response = ListTrainingJobsResponse.newBuilder();
            for (TrainingJob job : jobs().list()) {
                if (sees(caller, job)
                        && (request.getAdapter().isEmpty()
                                || request.getAdapter().equals(job.adapter()))) {
                    response.addJobs(TrainingJobMessages.of(job));
                }
            }
            return response.build();
        });
    }

    @Override
    public Uni<io.swapgate.proto.v1.TrainingJob> cancel(CancelTrainingJobRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            visible(caller, request.getId());
            return TrainingJobMessages.of(jobs().cancel(request.getId()).orElseThrow());
        });
    }

    @Override
    public Multi<io.swapgate.proto.v1.TrainingJob> watch(WatchTrainingJobsRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        TrainingJobs jobs;
        try {
            jobs = jobs();
            if (!request.getId().isEmpty()) {
                visible(caller, request.getId());
            }
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(GrpcStatuses.toStatus(e));
        }
        return Multi.createFrom().<io.swapgate.proto.v1.TrainingJob>emitter(emitter -> {
            // Subscribe first, then send the current state: a change in between is sent twice, never lost.
            AutoCloseable subscription = jobs.subscribe(job -> send(emitter, caller, request, job));
            emitter.onTermination(() -> {
                try {
                    subscription.close();
                } catch (Exception ignored) {
                    // removing a subscriber cannot fail
                }
            });
            jobs.list().forEach(job -> send(emitter, caller, request, job));
        });
    }

    /** Sends a matching job's state; a watch of one job ends with its final state. */
    private void send(
            io.smallrye.mutiny.subscription.MultiEmitter<? super io.swapgate.proto.v1.TrainingJob> emitter,
            Caller caller,
            WatchTrainingJobsRequest request,
            TrainingJob job) {
        if (matches(caller, request, job)) {
            emitter.emit(TrainingJobMessages.of(job));
            if (!request.getId().isEmpty() && job.state().finished()) {
                emitter.complete();
            }
        }
    }

    private boolean matches(Caller caller, WatchTrainingJobsRequest request, TrainingJob job) {
        return sees(caller, job)
                && (request.getId().isEmpty() || request.getId().equals(job.id()))
                && (request.getAdapter().isEmpty() || request.getAdapter().equals(job.adapter()));
    }

    private static boolean sees(Caller caller, TrainingJob job) {
        return caller.isAdmin() || AdapterName.parse(job.adapter()).tenant().equals(caller.tenant());
    }

    /** The job, if it exists and the caller may see it; otherwise NOT_FOUND either way, so ids of others leak nothing. */
    private TrainingJob visible(Caller caller, String id) {
        return jobs().get(id)
                .filter(job -> sees(caller, job))
                .orElseThrow(() -> new RegistryException(
                        RegistryException.Reason.NOT_FOUND, "training job '" + id + "' not found"));
    }

    private TrainingJobs jobs() {
        return training.jobs()
                .orElseThrow(() -> new RegistryException(
                        RegistryException.Reason.FAILED_PRECONDITION,
                        "retraining is off on this gateway (swapgate.training.enabled=false)"));
    }

    private static AdapterKind kind(String name) {
        if (name.isEmpty()) {
            return null;
        }
        try {
            return AdapterKind.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown adapter kind '" + name + "': use lora, prompt, prefix or tempnet");
        }
    }

    /** The TempNet objective asked for, or null for the configured one; only a TempNet job may ask for one. */
    private static TempNetObjective objective(StartTrainingRequest request, AdapterKind kind) {
        if (request.getTempnetObjective().isEmpty()) {
            return null;
        }
        if (kind != AdapterKind.TEMPNET) {
            throw new IllegalArgumentException("tempnet_objective needs kind tempnet");
        }
        return TempNetObjective.parse(request.getTempnetObjective());
    }

    /** The LoRA shape asked for, or null for the configured one; only a LoRA job may ask for one. */
    private LoraShape loraShape(StartTrainingRequest request, AdapterKind kind) {
        if (request.getLoraRank() == 0 && request.getLoraMinRank() == 0) {
            return null;
        }
        if (kind != AdapterKind.LORA) {
            throw new IllegalArgumentException("lora_rank and lora_min_rank need kind lora");
        }
        int rank = request.getLoraRank() == 0 ? defaultLoraRank : request.getLoraRank();
        if (rank < 0 || rank > maxLoraRank) {
            throw new IllegalArgumentException("lora_rank must be between 1 and " + maxLoraRank
                    + " (swapgate.adapters.max-lora-rank)," + " got " + rank);
        }
        return new LoraShape(rank, request.getLoraMinRank());
    }

    /** The dataset, each example checked as the Kafka intake checks them and stored in the same form. */
    private static List<ExampleStore.Example> examples(StartTrainingRequest request, AdapterName adapter) {
        if (request.getExamplesCount() > MAX_EXAMPLES) {
            throw new IllegalArgumentException("at most " + MAX_EXAMPLES + " examples per Start; send more over Kafka");
        }
        List<ExampleStore.Example> out = new ArrayList<>();
        for (TrainingExample example : request.getExamplesList()) {
            if (!example.getAdapter().isEmpty() && !example.getAdapter().equals(adapter.toString())) {
                throw new IllegalArgumentException(
                        "example " + example.getExampleId() + " is for " + example.getAdapter() + ", not " + adapter);
            }
            ExampleRules.check(example);
            out.add(new ExampleStore.Example(
                    example.getExampleId(),
                    example.toBuilder().setAdapter(adapter.toString()).build().toByteArray()));
        }
        return out;
    }
}
