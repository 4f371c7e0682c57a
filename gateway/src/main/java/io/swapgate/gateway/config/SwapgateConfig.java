package io.swapgate.gateway.config;

import io.smallrye.config.ConfigMapping;

/** Swapgate's own settings (prefix {@code swapgate}); defaults live in application.properties. */
@ConfigMapping(prefix = "swapgate")
public interface SwapgateConfig {

    Model model();

    RuntimeSettings runtime();

    Engine engine();

    Adapters adapters();

    Tenancy tenancy();

    Kafka kafka();

    Training training();

    Tracing tracing();

    interface Tracing {
        /** Write spans to the log as OTLP JSON lines too (tracing itself: quarkus.otel.sdk.disabled=false). */
        boolean logSpans();
    }

    interface Model {
        /** A llama2.c checkpoint or folder, a .gguf file, or a Hugging Face model folder. */
        String path();
    }

    interface RuntimeSettings {
        String device();

        String gpuDataType();

        int threads();
    }

    interface Engine {
        int maxBatchSize();

        int queueCapacity();

        int maxContext();

        int prefillTokenBudget();

        /**
         * How much longer than a decode-only step of the running streams and the requests waiting for a free slot a step
         * carrying prompt tokens may take (measured); 0 feeds the whole token budget every step.
         */
        double prefillStretch();

        /** How long in-flight requests may run on after SIGTERM before they are cut. */
        java.time.Duration shutdownGrace();

        /** The most of the engine thread's time background work (training) takes while requests run. */
        double backgroundShare();
    }

    interface Adapters {
        /** Root folder of the file-system adapter registry. */
        String registryDir();

        /** Bytes of loaded adapters kept in host memory. */
        long hostCacheBytes();

        /** Widest LoRA served; sizes the device slot table. */
        int maxLoraRank();

        /** Largest adapter_model.safetensors accepted. */
        long maxFileBytes();

        /** How long a resolved alias is reused before the store is read again (changes announced arrive sooner). */
        java.time.Duration resolutionTtl();
    }

    interface Tenancy {
        /** The API key file ({@code ./swapgate keys}); re-read whenever it changes. */
        String keysFile();

        /** Every tenant's quotas by name (see {@code QuotaLimits}). */
        java.util.Map<String, String> quotas();

        /** Per-tenant settings, by tenant name. */
        java.util.Map<String, Tenant> tenants();

        /** Adapter names ({@code tenant/name}) to the other tenants that may use them ({@code *}: all). */
        java.util.Map<String, java.util.List<String>> sharing();

        interface Tenant {
            /** Share of the engine's batch slots relative to other tenants (default 1). */
            java.util.OptionalDouble weight();

            /** Quotas that differ from every tenant's. */
            java.util.Map<String, String> quotas();
        }
    }

    interface Kafka {
        /** Kafka brokers; unset: the gateway does not use Kafka. */
        java.util.Optional<String> bootstrapServers();

        String groupId();

        /** The group that stores training examples (each example is stored by one replica). */
        String trainingGroupId();

        Topics topics();

        /** Partitions of topics the gateway creates. */
        int partitions();

        /** Kafka requests answered at once. */
        int maxInFlight();

        /** Kafka requests of one tenant answered at once (the rest of its records wait; other tenants' go on). */
        int maxInFlightPerTenant();

        /** Records not yet answered held per partition before consumption from it pauses. */
        int maxBuffered();

        /** Records of one tenant held waiting for its own quota; past it its records are refused, not held. */
        int maxWaitingPerTenant();

        /** How soon the group gives a vanished replica's partitions to the others (its requests then run there). */
        java.time.Duration sessionTimeout();

        /**
         * Kafka client properties for every client of the gateway, as {@code swapgate.kafka.client."<property>"}:
         * {@code security.protocol}, {@code ssl.truststore.location}, {@code sasl.mechanism}, {@code sasl.jaas.config}, ...
         */
        java.util.Map<String, String> client();

        /**
         * A Kafka client properties file for every client of the gateway, read as Kafka reads one (its config providers
         * work: {@code ${dir:/etc/secret:user.password}}); {@link #client} settings win over it.
         */
        java.util.Optional<String> clientPropertiesFile();

        interface Topics {
            String requests();

            String responses();

            String deadLetters();

            String adapterEvents();

            String trainingExamples();

            String trainingJobs();
        }
    }

    interface Training {
        /** Whether this gateway runs retraining jobs (one replica per registry should). */
        boolean enabled();

        /** The alias a retrained version is promoted to when it passes the evaluation gate. */
        String alias();

        /** How much lower (relative) a new version's held-out loss must be than the current version's. */
        double margin();

        /** How much higher (nats per token) its loss on the current version's own held-out examples may be. */
        double regressionTolerance();

        /** The share of examples held out for evaluation, chosen by example id. */
        double heldOutFraction();

        /** Retraining starts once this many new examples arrived ... */
        int minNewExamples();

        /** ... or the first of them waited this long ... */
        java.time.Duration maxWait();

        /** ... and no sooner than this after the adapter's previous job ended. */
        java.time.Duration cooldown();

        /** Per-adapter policies: swapgate.training.adapters."acme/x".min-new-examples and so on. */
        java.util.Map<String, Policy> adapters();

        /** The kind trained for an adapter without a version: lora, prompt, prefix or tempnet. */
        String defaultKind();

        /** Optimizer steps per job. */
        int steps();

        /** The rank of a new LoRA. */
        int loraRank();

        /** Runs of one job that gateway stops may interrupt before it is failed. */
        int maxAttempts();

        /**
         * Bytes of one source's example file (one per Kafka partition, one for Training.Start) before it is rotated:
         * an adapter keeps its newest examples, about twice this per source, on disk and in a job's memory.
         */
        long maxExampleFileBytes();

        /** Training jobs one tenant may have queued or running at once on a replica. */
        int maxJobsPerTenant();

        /** Steps between a running job's checkpoints, from which a run after a stop goes on; 0 for none. */
        int checkpointEvery();

        /**
         * The native memory one micro-batch's backward pass may take: micro-batches shrink to fit, and a job whose
         * single longest example does not fit fails with the figures.
         */
        io.quarkus.runtime.configuration.MemorySize memoryBudget();

        interface Policy {
            java.util.OptionalInt minNewExamples();

            java.util.Optional<java.time.Duration> maxWait();

            java.util.Optional<java.time.Duration> cooldown();
        }
    }
}
