package io.swapgate.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training examples on disk: appended per source, read once per id, a torn last record ignored. */
class ExampleStoreTest {

    @TempDir
    Path root;

    private static ExampleStore.Example example(String id) {
        return new ExampleStore.Example(id, ("content of " + id).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void examplesWrittenTwiceOrBySeveralSourcesAreReadOnceEach() throws Exception {
        ExampleStore store = new ExampleStore(root);
        AdapterName adapter = AdapterName.parse("acme/a");
        store.append(adapter, "p0", List.of(example("a"), example("b")));
        store.append(adapter, "p0", List.of(example("b"), example("c"))); // "b" redelivered
        store.append(adapter, "p3", List.of(example("d"), example("a")));
        List<ExampleStore.Example> read = new ExampleStore(root).read(adapter);
        assertEquals(
                List.of("a", "b", "c", "d"),
                read.stream().map(ExampleStore.Example::id).toList());
        assertArrayEquals(
                "content of c".getBytes(StandardCharsets.UTF_8), read.get(2).content());
        assertEquals(List.of(), store.read(AdapterName.parse("acme/none")));
    }

    @Test
    void aRecordCutShortByACrashIsIgnoredAndCutOffBeforeTheNextAppend() throws Exception {
        ExampleStore store = new ExampleStore(root);
        AdapterName adapter = AdapterName.parse("acme/a");
        store.append(adapter, "p0", List.of(example("a"), example("b")));
        Path file = root.resolve("examples/acme/a/p0.log");
        long whole = Files.size(file);
        store.append(adapter, "p0", List.of(example("c")));
        try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            channel.truncate(whole + 6); // "c" half written when the machine died
        }
        assertEquals(
                List.of("a", "b"),
                store.read(adapter).stream().map(ExampleStore.Example::id).toList());
        ExampleStore restarted = new ExampleStore(root);
        restarted.append(adapter, "p0", List.of(example("d")));
        assertEquals(
                List.of("a", "b", "d"),
                restarted.read(adapter).stream().map(ExampleStore.Example::id).toList());
    }

    /** Examples never grow without bound: past the file bound the oldest are dropped, and the newest always kept. */
    @Test
    void anAdapterKeepsItsNewestExamplesWithinTheBound() throws Exception {
        ExampleStore store = new ExampleStore(root, 1024);
        AdapterName adapter = AdapterName.parse("acme/a");
        for (int batch = 0; batch < 50; batch++) {
            store.append(adapter, "p0", List.of(example("e" + batch + "-a"), example("e" + batch + "-b")));
        }
        long onDisk;
        try (var files = Files.list(root.resolve("examples/acme/a"))) {
            onDisk = files.mapToLong(f -> f.toFile().length()).sum();
        }
        org.junit.jupiter.api.Assertions.assertTrue(onDisk <= 2 * 1024 + 200, "bytes on disk: " + onDisk);
        List<String> ids =
                store.read(adapter).stream().map(ExampleStore.Example::id).toList();
        org.junit.jupiter.api.Assertions.assertTrue(ids.contains("e49-b") && !ids.contains("e0-a"), ids.toString());
        org.junit.jupiter.api.Assertions.assertTrue(ids.size() < 100, "the oldest examples are gone: " + ids.size());
    }
}
