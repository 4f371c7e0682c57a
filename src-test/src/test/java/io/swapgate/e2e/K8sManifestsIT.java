package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests as Kubernetes would get them: each overlay rendered by {@code kubectl kustomize}, every
 * object parsed into the fabric8 model, and the essentials checked against the gateway itself (its health paths, its
 * port, its configuration keys and topic names).
 */
class K8sManifestsIT {

    private static final Set<String> HEALTH = Set.of("/q/health/started", "/q/health/live", "/q/health/ready");

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void overlaysRenderIntoADeploymentKubernetesCanRun(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        Deployment deployment = one(objects, Deployment.class);
        Container gateway =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        ContainerPort http = gateway.getPorts().stream()
                .filter(p -> "http".equals(p.getName()))
                .findFirst()
                .orElseThrow();
        assertEquals(8080, http.getContainerPort(), "the gateway listens on 8080 (quarkus.http.port)");
        ContainerPort management = gateway.getPorts().stream()
                .filter(p -> "management".equals(p.getName()))
                .findFirst()
                .orElseThrow();
        assertEquals(9000, management.getContainerPort(), "health and metrics are on 9000 (quarkus.management.port)");
        for (Probe probe :
                List.of(gateway.getStartupProbe(), gateway.getLivenessProbe(), gateway.getReadinessProbe())) {
            assertNotNull(probe, "startup, liveness and readiness probes are all set");
            assertTrue(
                    HEALTH.contains(probe.getHttpGet().getPath()),
                    probe.getHttpGet().getPath());
            assertEquals("management", probe.getHttpGet().getPort().getStrVal());
        }
        assertHardened(deployment.getSpec().getTemplate().getSpec(), gateway);
        assertNotNull(gateway.getResources().getRequests().get("cpu"));
        assertNotNull(gateway.getResources().getRequests().get("memory"));
        assertNotNull(gateway.getResources().getLimits().get("memory"));
        assertTrue(
                deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > 30,
                "Kubernetes must wait longer than the gateway's 30 s drain");

        Map<String, String> labels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(labels.entrySet()
                .containsAll(deployment.getSpec().getSelector().getMatchLabels().entrySet()));
        Service service = one(objects, Service.class);
        assertTrue(
                labels.entrySet().containsAll(service.getSpec().getSelector().entrySet()),
                "the Service selects the pods");
        assertEquals(
                List.of("http"),
                service.getSpec().getPorts().stream()
                        .map(p -> p.getTargetPort().getStrVal())
                        .toList(),
                "the Service carries the API alone, not health and metrics");
        NetworkPolicy policy = one(objects, NetworkPolicy.class);
        assertTrue(
                labels.entrySet()
                        .containsAll(policy.getSpec()
                                .getPodSelector()
                                .getMatchLabels()
                                .entrySet()),
                "the policy covers the pods");
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        for (var rule : policy.getSpec().getIngress()) {
            boolean managementPort =
                    rule.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 9000);
            assertTrue(!managementPort || !rule.getFrom().isEmpty(), "the management port is open to named peers only");
        }
        PodDisruptionBudget budget = one(objects, PodDisruptionBudget.class);
        assertTrue(labels.entrySet()
                .containsAll(budget.getSpec().getSelector().getMatchLabels().entrySet()));
        HorizontalPodAutoscaler autoscaler = one(objects, HorizontalPodAutoscaler.class);
        assertEquals(
                deployment.getMetadata().getName(),
                autoscaler.getSpec().getScaleTargetRef().getName());
        assertEquals(
                "swapgate_engine_queued",
                autoscaler.getSpec().getMetrics().get(0).getPods().getMetric().getName(),
                "the autoscaler's metric is one the gateway exports");

        ConfigMap config = named(all(objects, ConfigMap.class), "swapgate");
        Set<String> volumes = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .map(Volume::getName)
                .collect(Collectors.toSet());
        assertTrue(
                mountedAt(gateway, config.getData().get("SWAPGATE_REGISTRY")),
                "the registry folder is a mounted volume");
        assertTrue(
                config.getData().get("SWAPGATE_KEYS").startsWith(mountPath(gateway, "keys")),
                "the key file is in the mounted Secret");
        Secret keys = one(objects, Secret.class);
        assertTrue(keys.getStringData()
                .containsKey(Path.of(config.getData().get("SWAPGATE_KEYS"))
                        .getFileName()
                        .toString()));
        for (PersistentVolumeClaim claim : all(objects, PersistentVolumeClaim.class)) {
            assertTrue(deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .anyMatch(v -> v.getPersistentVolumeClaim() != null
                            && v.getPersistentVolumeClaim()
                                    .getClaimName()
                                    .equals(claim.getMetadata().getName())));
        }
        assertTrue(volumes.containsAll(Set.of("registry", "keys", "models")));

        Set<String> topics = objects.stream()
                .filter(o -> o.getKind().equals("KafkaTopic"))
                .map(o -> (String) ((Map<?, ?>) ((GenericKubernetesResource) o)
                                .getAdditionalProperties()
                                .get("spec"))
                        .get("topicName"))
                .collect(Collectors.toSet());
        assertEquals(
                configuredTopics(), topics, "a KafkaTopic for every topic the gateway uses, under its configured name");
        assertTrue(
                objects.stream().anyMatch(o -> o.getKind().equals("PodMonitor")),
                "Prometheus scrapes the management port");
        assertKafkaOverMutualTls(objects, config, gateway);

        boolean gpu = overlay.equals("gpu");
        assertEquals(
                gpu,
                gateway.getResources().getLimits().containsKey("nvidia.com/gpu"),
                "only the GPU overlay asks for a GPU");
        assertEquals(gpu ? "gpu" : "cpu", config.getData().get("SWAPGATE_RUNTIME_DEVICE"));
        // libtorch is in the image (DockerfileIT): a pod downloads nothing and writes no native library anywhere.
        assertTrue(config.getData().get("JAVA_OPTS_APPEND").contains("-Dai.djl.offline=true"), "DJL runs offline");
        assertFalse(config.getData().toString().contains("ai.djl.offline=false"), "nothing turns the download on");
        assertFalse(config.getData().containsKey("DJL_CACHE_DIR"), "the image's libtorch folder is used");
        assertEquals("2", config.getData().get("MALLOC_ARENA_MAX"), "two malloc arenas keep native memory flat");
        assertEquals("1", config.getData().get("THP_MEM_ALLOC_ENABLE"), "libtorch's large blocks on huge pages");
        if (gpu) {
            assertFalse(deployment
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getTolerations()
                    .isEmpty());
            assertTrue(gateway.getImage().endsWith("-cuda"));
        }
    }

    /**
     * The gateway reaches Kafka on Strimzi's TLS listener with a KafkaUser's certificate, whose ACLs cover the
     * gateway's own topics and groups only, through a client properties file mounted from its ConfigMap.
     */
    @SuppressWarnings("unchecked")
    private static void assertKafkaOverMutualTls(List<HasMetadata> objects, ConfigMap config, Container gateway) {
        assertTrue(config.getData().get("KAFKA_BOOTSTRAP_SERVERS").endsWith(":9093"), "Strimzi's TLS listener");
        Path clientFile = Path.of(config.getData().get("SWAPGATE_KAFKA_CLIENT_PROPERTIES"));
        assertTrue(mountedAt(gateway, clientFile.getParent().toString()), "the client properties are mounted");
        String properties = named(all(objects, ConfigMap.class), "swapgate-kafka-client")
                .getData()
                .get(clientFile.getFileName().toString());
        assertTrue(properties.contains("security.protocol=SSL") && properties.contains("${dir:"), properties);
        GenericKubernetesResource user = (GenericKubernetesResource) objects.stream()
                .filter(o -> o.getKind().equals("KafkaUser"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no KafkaUser"));
        Map<String, Object> spec =
                (Map<String, Object>) user.getAdditionalProperties().get("spec");
        assertEquals("tls", ((Map<String, Object>) spec.get("authentication")).get("type"));
        List<Map<String, Object>> acls =
                (List<Map<String, Object>>) ((Map<String, Object>) spec.get("authorization")).get("acls");
        for (Map<String, Object> acl : acls) {
            Map<String, Object> resource = (Map<String, Object>) acl.get("resource");
            if (!"cluster".equals(resource.get("type"))) {
                assertTrue(
                        String.valueOf(resource.get("name")).startsWith("swapgate"),
                        "ACLs on the gateway's own names: " + resource);
            }
        }
        for (String secret : List.of(user.getMetadata().getName(), "swapgate-cluster-ca-cert")) {
            assertTrue(
                    deploymentVolumes(objects).stream()
                            .anyMatch(v -> v.getSecret() != null
                                    && v.getSecret().getSecretName().equals(secret)),
                    "Strimzi's Secret " + secret + " is mounted");
        }
    }

    private static List<Volume> deploymentVolumes(List<HasMetadata> objects) {
        return one(objects, Deployment.class).getSpec().getTemplate().getSpec().getVolumes();
    }

    private static <T extends HasMetadata> T named(List<T> objects, String name) {
        return objects.stream()
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name));
    }

    /** Non-root, no privilege escalation, a read-only root, no capabilities, the default seccomp profile, no token. */
    private static void assertHardened(PodSpec pod, Container gateway) {
        assertEquals(false, pod.getAutomountServiceAccountToken(), "no service-account token in the pod");
        assertEquals(true, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(
                "RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        SecurityContext container = gateway.getSecurityContext();
        assertEquals(false, container.getAllowPrivilegeEscalation());
        assertEquals(true, container.getReadOnlyRootFilesystem());
        assertEquals(List.of("ALL"), container.getCapabilities().getDrop());
        assertTrue(
                mountedAt(gateway, "/tmp"), "a writable /tmp beside the read-only root (DJL extracts libtorch there)");
    }

    /** The topic names the gateway's application.properties configures (the responses name is a prefix, not a topic). */
    private static Set<String> configuredTopics() throws IOException {
        Properties properties = new Properties();
        try (InputStream in =
                Files.newInputStream(E2e.repoRoot().resolve("gateway/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties.stringPropertyNames().stream()
                .filter(k -> k.startsWith("swapgate.kafka.topics.") && !k.equals("swapgate.kafka.topics.responses"))
                .map(properties::getProperty)
                .collect(Collectors.toSet());
    }

    private static List<HasMetadata> render(String overlay) throws Exception {
        E2e.CommandResult rendered = E2e.run(
                List.of("kubectl", "kustomize", "k8s/overlays/" + overlay),
                E2e.repoRoot(),
                Map.of(),
                Duration.ofSeconds(60),
                "kustomize-" + overlay);
        assertEquals(0, rendered.exitCode(), rendered::describe);
        KubernetesSerialization serialization = new KubernetesSerialization();
        return serialization.unmarshal(rendered.stdout());
    }

    private static boolean mountedAt(Container container, String path) {
        return container.getVolumeMounts().stream()
                .anyMatch(m -> m.getMountPath().equals(path));
    }

    private static String mountPath(Container container, String volume) {
        return container.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume))
                .findFirst()
                .orElseThrow()
                .getMountPath();
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertEquals(1, found.size(), "one " + type.getSimpleName());
        return found.get(0);
    }

    private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
