package io.swapgate.gateway.cli;

import io.swapgate.gateway.tenancy.ApiKeyHash;
import io.swapgate.gateway.tenancy.KeyFile;
import io.swapgate.gateway.tenancy.Role;
import java.io.IOException;
import java.io.PrintStream;
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

/**
 * {@code swapgate keys ...}: manage the API key file. A running gateway picks up changes at its next call, so a key
 * rotates by adding the new one, moving clients over, then removing the old one. The file is replaced atomically.
 */
public final class KeysCommand {

    static final String USAGE = """
            usage: swapgate keys COMMAND [flags]
              add --tenant T [--role tenant|admin]... [--id ID] [--key KEY]
                                 add a key (a new random one unless --key), printed once
              rm ID              remove a key
              list               key ids, tenants and roles
              hash KEY           print the salted hash of a key, for writing the file by hand
            common flags: --file F (default $SWAPGATE_KEYS or .swapgate/keys)
            """;
    private static final Set<String> VALUE_FLAGS = Set.of("--tenant", "--role", "--id", "--key", "--file");

    private KeysCommand() {}

    /** Runs the command; returns the exit code (0 ok, 1 failed, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("a command is needed");
            }
            CommandLine line = CommandLine.parse(args, 1, VALUE_FLAGS, Set.of());
            Path file = Path.of(line.option("--file", System.getenv().getOrDefault("SWAPGATE_KEYS", ".swapgate/keys")));
            switch (args[0]) {
                case "add" -> add(file, line, out);
                case "rm" -> remove(file, line.positionals(1, "ID").get(0), out);
                case "list" -> list(file, out);
                case "hash" -> out.println(ApiKeyHash.of(line.positionals(1, "KEY").get(0)));
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            }
            return 0;
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, USAGE, e.getMessage());
        } catch (IOException e) {
            err.println("error: " + e);
            return 1;
        }
    }

    private static void add(Path file, CommandLine line, PrintStream out) throws IOException {
        String tenant = line.option("--tenant", null);
        if (tenant == null) {
            throw new IllegalArgumentException("add needs --tenant T");
        }
        Set<Role> roles = new LinkedHashSet<>();
        for (String role : line.all("--role").isEmpty() ? List.of("tenant") : line.all("--role")) {
            roles.add(Role.parse(role));
        }
        String key = line.option("--key", null);
        String shown = key == null ? ApiKeyHash.newKey() : key;
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        String id = line.option("--id", tenant + "-" + HexFormat.of().formatHex(suffix));
        KeyFile.Entry entry = new KeyFile.Entry(id, tenant, roles, ApiKeyHash.of(shown));
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : new ArrayList<>();
        lines.add(entry.line());
        replace(file, lines);
        out.println("added key '" + id + "' for tenant '" + tenant + "' (" + Role.join(roles) + ") to " + file);
        if (key == null) {
            out.println("key (shown only now): " + shown);
        }
    }

    private static void remove(Path file, String id, PrintStream out) throws IOException {
        List<String> kept = new ArrayList<>();
        boolean found = false;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            boolean match = !text.isBlank() && !text.strip().startsWith("#") && text.strip().split("\\s+")[0].equals(id);
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

    private static void list(Path file, PrintStream out) throws IOException {
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
