package io.swapgate.gateway.messages;

import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.proto.v1.AliasChange;
import io.swapgate.proto.v1.Residency;
import io.swapgate.proto.v1.VersionInfo;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.RegistryEvent;
import io.swapgate.registry.VersionMetadata;
import java.util.Map;

/** Maps registry records to wire messages. */
public final class AdapterMessages {

    private AdapterMessages() {}

    public static VersionInfo version(
            VersionMetadata m, Map<String, String> aliases, ServedAdapters.Residency residency) {
        VersionInfo.Builder b = VersionInfo.newBuilder()
                .setName(m.name())
                .setVersion(m.version())
                .setKind(m.kind())
                .setBaseModelName(m.baseModelName())
                .setBaseModelDigest(m.baseModelDigest())
                .setRank(m.rank())
                .setMinRank(m.minRank())
                .setSizeBytes(m.sizeBytes())
                .setCreatedAt(m.createdAt())
                .setCreator(nullToEmpty(m.creator()))
                .setParentVersion(nullToEmpty(m.parentVersion()))
                .putAllLabels(m.labels())
                .putAllMetrics(m.metrics())
                .setResidency(residency(residency));
        aliases.forEach((alias, version) -> {
            if (version.equals(m.version())) {
                b.addAliases(alias);
            }
        });
        return b.build();
    }

    public static Residency residency(ServedAdapters.Residency residency) {
        return switch (residency) {
            case DEVICE -> Residency.RESIDENCY_DEVICE;
            case HOST -> Residency.RESIDENCY_HOST;
            case STORE -> Residency.RESIDENCY_STORE;
        };
    }

    public static AliasChange aliasChange(RegistryEvent event) {
        return AliasChange.newBuilder()
                .setName(event.name())
                .setAlias(nullToEmpty(event.alias()))
                .setVersion(event.version())
                .setPreviousVersion(nullToEmpty(event.previousVersion()))
                .build();
    }

    public static io.swapgate.proto.v1.RegistryEvent event(RegistryEvent e) {
        return io.swapgate.proto.v1.RegistryEvent.newBuilder()
                .setType(
                        io.swapgate.proto.v1.RegistryEvent.Type.valueOf(e.type().name()))
                .setName(e.name())
                .setVersion(e.version())
                .setAlias(nullToEmpty(e.alias()))
                .setPreviousVersion(nullToEmpty(e.previousVersion()))
                .setAt(e.at())
                .build();
    }

    /** Whether an event concerns the tenant, or any tenant when {@code tenant} is null. */
    public static boolean ofTenant(RegistryEvent e, String tenant) {
        return tenant == null || AdapterName.parse(e.name()).tenant().equals(tenant);
    }

    public static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
