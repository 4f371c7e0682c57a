package io.swapgate.gateway.cli;

import io.swapgate.gateway.tenancy.ApiKeyHash;
import io.swapgate.gateway.tenancy.KeyFile;
import io.swapgate.gateway.tenancy.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code swapgate keys ...}: manage the API key file. A running gateway picks up changes at its next call, so a key
 * rotates by adding the new one, moving clients over, then removing the old one. The file is replaced atomically.
 */
@Command(
        name = "keys",
        description = "Manage the API key file (a running gateway reads changes at its next call).",
        subcommands = {
            KeysCommand.Add.class,
            KeysCommand.Remove.class,
            KeysCommand.ListKeys.class,
            KeysCommand.Hash.class
        })
final class KeysCommand {

    private KeysCommand() {}

    /** A subcommand on the key file, writing to the command line's output. */
    abstract static class KeyFileCall implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(
                names = "--file",
                defaultValue = "${env:SWAPGATE_KEYS:-.swapgate/keys}",
                description = "The key file (default: $SWAPGATE_KEYS or .swapgate/keys).")
        Path file;

        @Override
        public Integer call() throws IOException {
            run(file, spec.commandLine().getOut());
            return 0;
        }

        abstract void run(Path file, PrintWriter out) throws IOException;
    }

    @Command(name = "add", description = "Add a key (a new random one unless --key), printed once.")
    static final class Add extends KeyFileCall {

        @Option(names = "--tenant", required = true, paramLabel = "T", description = "The tenant the key acts for.")
        String tenant;

        @Option(names = "--role", paramLabel = "tenant|admin", description = "A role (repeatable; default: tenant).")
        List<String> roles = new ArrayList<>();

        @Option(names = "--id", description = "The key's id (default: the tenant and a random suffix).")
        String id;

        @Option(names = "--key", description = "The key itself (default: a new random one).")
        String key;

        @Override
        void run(Path file, PrintWriter out) throws IOException {
            add(file, tenant, roles, id, key, out);
        }
    }

    @Command(name = "rm", description = "Remove a key.")
    static final class Remove extends KeyFileCall {

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        void run(Path file, PrintWriter out) throws IOException {
            remove(file, id, out);
        }
    }

    @Command(name = "list", description = "Key ids, tenants and roles.")
    static final class ListKeys extends KeyFileCall {

        @Override
        void run(Path file, PrintWriter out) throws IOException {
            list(file, out);
        }
    }

    @Command(name = "hash", description = "Print the salted hash of a key, for writing the file by hand.")
    static final class Hash implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "KEY")
        String key;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(ApiKeyHash.of(key));
            return 0;
        }
    }

    private static void add(
            Path file, String tenant, List<String> roleNames, String givenId, String key, PrintWriter out)
            throws IOException {
        Set<Role> roles = new LinkedHashSet<>();
        for (String role : roleNames.isEmpty() ? List.of("tenant") : roleNames) {
            roles.add(Role.parse(role));
        }
        String shown = key == null ? ApiKeyHash.newKey() : key;
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        String id = givenId != null ? givenId : tenant + "-" + HexFormat.of().formatHex(suffix);
        KeyFile.Entry entry = new KeyFile.Entry(id, tenant, roles, ApiKeyHash.of(shown));
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : new ArrayList<>();
        lines.add(entry.line());
        replace(file, lines);
        out.println("added key '" + id + "' for tenant '" + tenant + "' (" + Role.join(roles) + ") to " + file);
        if (key == null) {
            out.println("key (shown only now): " + shown);
        }
    }

    private static void remove(Path file, String id, PrintWriter out) throws IOException {
        List<String> kept = new ArrayList<>();
        boolean found = false;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            boolean match = !text.isBlank()
                    && !text.strip().startsWith("#")
                    && text.strip().split("\\s+")[0].equals(id);
            found |= match;
            if (!match) {
                kept.add(text);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("no key '" + id + "' in " + file);
        }
        replace(file, kept);
        out.println("removed key '" + id + "' from " + file);
    }

    private static void list(Path file, PrintWriter out) throws IOException {
        Table table = new Table("KEY ID", "TENANT", "ROLES");
        for (KeyFile.Entry entry : KeyFile.read(file)) {
            table.row(entry.keyId(), entry.tenant(), Role.join(entry.roles()));
        }
        table.print(out);
    }

    /** Writes the new content beside the file and renames it over, so the gateway never reads half a file. */
    private static void replace(Path file, List<String> lines) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, ".keys", ".tmp");
        try {
            Files.write(temporary, lines, StandardCharsets.UTF_8);
            KeyFile.read(temporary); // never install a file the gateway would refuse
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
