package io.swapgate.gateway.tenancy;

import io.swapgate.registry.AdapterName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The API key file: one key per line, {@code <key-id> <tenant> <role>[,<role>] <hash>}, blank lines and {@code #}
 * comments ignored. Rotating a key is adding a line with the new key's hash and later removing the old line.
 */
public final class KeyFile {

    /** One line of the file. */
    public record Entry(String keyId, String tenant, Set<Role> roles, ApiKeyHash hash) {

        public Caller caller() {
            return new Caller(keyId, tenant, roles);
        }

        /** The entry as a line of the file. */
        public String line() {
            return keyId + " " + tenant + " " + Role.join(roles) + " " + hash;
        }
    }

    private KeyFile() {}

    public static List<Entry> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                Entry entry = parse(line);
                if (!ids.add(entry.keyId())) {
                    throw new IllegalArgumentException("key id '" + entry.keyId() + "' appears twice");
                }
                entries.add(entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return entries;
    }

    static Entry parse(String line) {
        String[] fields = line.split("\\s+");
        if (fields.length != 4) {
            throw new IllegalArgumentException(
                    "expected '<key-id> <tenant> <roles> <hash>', got " + fields.length + " fields");
        }
        Set<Role> roles = new LinkedHashSet<>();
        Arrays.stream(fields[2].split(",")).map(Role::parse).forEach(roles::add);
        return new Entry(fields[0], AdapterName.requireTenant(fields[1]), roles, ApiKeyHash.parse(fields[3]));
    }
}
