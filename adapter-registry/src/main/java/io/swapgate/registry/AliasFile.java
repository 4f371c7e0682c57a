package io.swapgate.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One alias on disk: the version it points at and the versions it pointed at before (oldest first), written
 * atomically as a whole.
 */
record AliasFile(String version, List<String> history) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How many earlier targets are kept for rollback. */
    static final int HISTORY = 100;

    AliasFile {
        history = List.copyOf(history);
    }

    static AliasFile read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), AliasFile.class);
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, JSON.writeValueAsBytes(this));
    }

    /** This alias moved to {@code next}, remembering where it was. */
    AliasFile movedTo(String next) {
        List<String> older = new ArrayList<>(history);
        older.add(version);
        while (older.size() > HISTORY) {
            older.remove(0);
        }
        return new AliasFile(next, older);
    }

    /** This alias back at its previous target, or null when it has none. */
    AliasFile rolledBack() {
        if (history.isEmpty()) {
            return null;
        }
        return new AliasFile(history.get(history.size() - 1), history.subList(0, history.size() - 1));
    }
}
