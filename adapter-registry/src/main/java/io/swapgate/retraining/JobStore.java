package io.swapgate.retraining;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.registry.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training jobs as {@code jobs/<id>.json} beside the registry, each replaced atomically on every change, a running
 * job's latest checkpoint as {@code jobs/<id>.checkpoint}, the lock of the replica that holds it as
 * {@code jobs/<id>.lock}, and a cancel request from another replica as {@code jobs/<id>.cancel}.
 */
public final class JobStore {

    private static final Logger LOG = LoggerFactory.getLogger(JobStore.class);
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final String ID = "[A-Za-z0-9-]{1,64}";

    private final Path folder;

    public JobStore(Path registryRoot) {
        this.folder = registryRoot.resolve("jobs");
    }

    public void save(TrainingJob job) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.write(
                folder.resolve(job.id() + ".json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(job));
    }

    /** This process's hold on the job, or empty when another replica holds it (see {@link JobClaim}). */
    Optional<JobClaim> claim(String id) throws IOException {
        Files.createDirectories(folder);
        return JobClaim.tryClaim(folder.resolve(id + ".lock"));
    }

    /** Jobs some replica claimed and has not yet let go of as ended: the only ones another may have to take over. */
    List<String> claimed() throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".lock") && !n.startsWith("."))
                    .map(n -> n.substring(0, n.length() - ".lock".length()))
                    .sorted()
                    .toList();
        }
    }

    /** Asks whichever replica holds the job to cancel it: it looks for {@code jobs/<id>.cancel} at every step. */
    void requestCancel(String id) throws IOException {
        if (!id.matches(ID)) {
            throw new IllegalArgumentException("not a job id: " + id);
        }
        Files.createDirectories(folder);
        AtomicFiles.write(cancelFile(id), new byte[0]);
    }

    boolean cancelRequested(String id) {
        return Files.exists(cancelFile(id));
    }

    /** Drops what an ended job leaves beside its file: its checkpoint and a cancel request. */
    void deleteLeftovers(String id) throws IOException {
        Files.deleteIfExists(checkpointFile(id));
        Files.deleteIfExists(cancelFile(id));
    }

    private Path cancelFile(String id) {
        return folder.resolve(id + ".cancel");
    }

    /** Where the job's latest training checkpoint is kept while it runs. */
    Path checkpointFile(String id) {
        return folder.resolve(id + ".checkpoint");
    }

    public Optional<TrainingJob> get(String id) throws IOException {
        if (!id.matches(ID)) {
            return Optional.empty();
        }
        Path file = folder.resolve(id + ".json");
        return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), TrainingJob.class)) : Optional.empty();
    }

    /** Every readable job, oldest first; an unreadable file is logged and skipped. */
    public List<TrainingJob> all() throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<TrainingJob> jobs = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .toList()) {
                try {
                    jobs.add(JSON.readValue(file.toFile(), TrainingJob.class));
                } catch (IOException e) {
                    LOG.error("skipping unreadable training job {}: {}", file.getFileName(), e.getMessage());
                }
            }
        }
        jobs.sort(Comparator.comparing(TrainingJob::createdAt).thenComparing(TrainingJob::id));
        return jobs;
    }
}
