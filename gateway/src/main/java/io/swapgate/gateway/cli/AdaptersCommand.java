package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdapterSummary;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.AliasChange;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RollbackRequest;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.VersionInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swapgate adapters ...}: manage a running gateway's adapter registry, or make random adapters. */
@Command(
        name = "adapters",
        description = "Manage a running gateway's adapter registry, or make random adapters.",
        subcommands = {
            AdaptersCommand.Push.class,
            AdaptersCommand.ListAdapters.class,
            AdaptersCommand.Show.class,
            AdaptersCommand.Promote.class,
            AdaptersCommand.Rollback.class,
            AdaptersCommand.Remove.class,
            MakeRandomAdaptersCommand.class
        })
final class AdaptersCommand {

    private AdaptersCommand() {}

    /** The registry's blocking stub, with a deadline long enough for large uploads. */
    private static AdaptersGrpc.AdaptersBlockingStub registry(ManagedChannel channel) {
        return AdaptersGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    @Command(name = "push", description = "Upload a PEFT adapter folder as a new version.")
    static final class Push extends GatewayCall {

        @Parameters(paramLabel = "DIR", description = "The adapter folder.")
        Path folder;

        @Option(
                names = "--name",
                required = true,
                paramLabel = "TENANT/NAME",
                description = "The adapter to add a version to.")
        String name;

        @Option(
                names = "--promote",
                paramLabel = "ALIAS",
                defaultValue = "",
                description = "Point this alias at the new version.")
        String promote;

        @Option(names = "--warm", description = "Load it into host memory at once.")
        boolean warm;

        @Option(
                names = "--creator",
                defaultValue = "${sys:user.name:-}",
                description = "Who made it (default: the user).")
        String creator;

        @Option(
                names = "--parent",
                paramLabel = "VERSION",
                defaultValue = "",
                description = "The version it was trained from.")
        String parent;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        Map<String, String> labels = new LinkedHashMap<>();

        @Option(
                names = "--metric",
                paramLabel = "KEY=VALUE",
                description = "A metric (repeatable), e.g. eval_loss=1.5.")
        Map<String, Double> metrics = new LinkedHashMap<>();

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) throws Exception {
            UploadManifest.Builder manifest = UploadManifest.newBuilder()
                    .setName(name)
                    .setWarm(warm)
                    .setPromote(promote)
                    .setCreator(creator)
                    .setParentVersion(parent)
                    .putAllLabels(labels)
                    .putAllMetrics(metrics);
            ProgressBar progress = new ProgressBar(err, AdapterUploader.size(folder));
            VersionInfo version = AdapterUploader.upload(
                    AdaptersGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES),
                    folder,
                    manifest,
                    progress::update);
            progress.done();
            out.printf(
                    "published %s@%s (%s, %s)%s%n",
                    version.getName(),
                    version.getVersion(),
                    version.getKind(),
                    bytes(version.getSizeBytes()),
                    version.getAliasesCount() > 0 ? ", aliases " + String.join(", ", version.getAliasesList()) : "");
            return 0;
        }
    }

    @Command(name = "list", description = "Adapters with their aliases.")
    static final class ListAdapters extends GatewayCall {

        @Option(names = "--tenant", defaultValue = "", description = "Another tenant's adapters (admins).")
        String tenant;

        @Option(names = "--shared", description = "Also those shared with the tenant, to use.")
        boolean shared;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            Table table = new Table("ADAPTER", "VERSIONS", "ALIASES");
            for (AdapterSummary a : registry(channel)
                    .list(ListAdaptersRequest.newBuilder()
                            .setTenant(tenant)
                            .setIncludeShared(shared)
                            .build())
                    .getAdaptersList()) {
                StringBuilder aliases = new StringBuilder();
                a.getAliasesMap().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> aliases.append(aliases.isEmpty() ? "" : "  ")
                                .append(e.getKey())
                                .append("=")
                                .append(shortVersion(e.getValue())));
                table.row(a.getName(), a.getVersionCount(), aliases);
            }
            table.print(out);
            return 0;
        }
    }

    @Command(name = "show", description = "Versions, aliases, metadata and residency.")
    static final class Show extends GatewayCall {

        @Parameters(paramLabel = "TENANT/NAME")
        String name;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            AdapterDetails details = registry(channel)
                    .get(GetAdapterRequest.newBuilder().setName(name).build());
            out.println(details.getName());
            Table table = new Table(
                    "VERSION", "KIND", "RANK", "SIZE", "CREATED", "CREATOR", "RESIDENCY", "ALIASES", "METRICS");
            for (VersionInfo v : details.getVersionsList()) {
                table.row(
                        shortVersion(v.getVersion()),
                        v.getKind(),
                        v.getRank() == 0 ? "-" : v.getMinRank() > 0 ? v.getMinRank() + "-" + v.getRank() : v.getRank(),
                        bytes(v.getSizeBytes()),
                        v.getCreatedAt(),
                        v.getCreator().isEmpty() ? "-" : v.getCreator(),
                        v.getResidency().name().replace("RESIDENCY_", "").toLowerCase(Locale.ROOT),
                        v.getAliasesCount() == 0 ? "-" : String.join(",", v.getAliasesList()),
                        v.getMetricsCount() == 0 ? "-" : v.getMetricsMap().toString());
            }
            table.print(out);
            return 0;
        }
    }

    @Command(name = "promote", description = "Point an alias at a version (or a version prefix, or another alias).")
    static final class Promote extends GatewayCall {

        @Parameters(index = "0", paramLabel = "TENANT/NAME")
        String name;

        @Parameters(index = "1", paramLabel = "ALIAS")
        String alias;

        @Parameters(index = "2", paramLabel = "VERSION")
        String version;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            printChange(
                    registry(channel)
                            .promote(PromoteRequest.newBuilder()
                                    .setName(name)
                                    .setAlias(alias)
                                    .setVersion(version)
                                    .build()),
                    out);
            return 0;
        }
    }

    @Command(name = "rollback", description = "Point an alias back at its previous version.")
    static final class Rollback extends GatewayCall {

        @Parameters(index = "0", paramLabel = "TENANT/NAME")
        String name;

        @Parameters(index = "1", paramLabel = "ALIAS")
        String alias;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            printChange(
                    registry(channel)
                            .rollback(RollbackRequest.newBuilder()
                                    .setName(name)
                                    .setAlias(alias)
                                    .build()),
                    out);
            return 0;
        }
    }

    @Command(name = "rm", description = "Delete a version no alias or request uses.")
    static final class Remove extends GatewayCall {

        @Parameters(index = "0", paramLabel = "TENANT/NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Override
        int run(ManagedChannel channel, PrintWriter out, PrintWriter err) {
            var deleted = registry(channel)
                    .delete(DeleteRequest.newBuilder()
                            .setName(name)
                            .setVersion(version)
                            .build());
            out.println("deleted " + deleted.getName() + "@" + deleted.getVersion());
            return 0;
        }
    }

    private static void printChange(AliasChange change, PrintWriter out) {
        out.printf(
                "%s@%s -> %s (was %s)%n",
                change.getName(),
                change.getAlias(),
                change.getVersion(),
                change.getPreviousVersion().isEmpty() ? "unset" : change.getPreviousVersion());
    }

    private static String shortVersion(String version) {
        return version.substring(0, Math.min(12, version.length()));
    }

    static String bytes(long n) {
        return n < 1024
                ? n + " B"
                : n < 1 << 20
                        ? String.format(Locale.ROOT, "%.1f KiB", n / 1024.0)
                        : String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
}
