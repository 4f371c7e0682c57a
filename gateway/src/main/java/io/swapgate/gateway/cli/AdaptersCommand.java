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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@code swapgate adapters ...}: manage a running gateway's adapter registry, or make random adapters. */
public final class AdaptersCommand {

    static final String USAGE = """
            usage: swapgate adapters COMMAND [flags]
              push DIR --name TENANT/NAME [--promote ALIAS] [--warm] [--creator C] [--parent V]
                   [--label k=v]... [--metric k=v]...   upload a PEFT adapter folder as a new version
              list [--tenant T] [--shared]               adapters with their aliases (--shared: and those
                                                         shared with the tenant, to use)
              show TENANT/NAME                           versions, aliases, metadata and residency
              promote TENANT/NAME ALIAS VERSION          point an alias at a version (or prefix, or alias)
              rollback TENANT/NAME ALIAS                 point an alias back at its previous version
              rm TENANT/NAME VERSION                     delete a version no alias or request uses
              make-random ...                            write a random adapter (make-random --help)
            common flags: --host H (default localhost), --port P (default $SWAPGATE_PORT or 8080),
                          --api-key KEY (default $SWAPGATE_API_KEY)
            """;
    private static final Set<String> VALUE_FLAGS = Set.of("--name", "--promote", "--creator", "--parent", "--label",
            "--metric", "--tenant");

    private AdaptersCommand() {}

    /** Runs the command; returns the exit code (0 ok, 1 call failed, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("make-random")) {
            return MakeRandomAdaptersCommand.run(args, out, err);
        }
        return GatewayCommand.run(args, USAGE, VALUE_FLAGS, Set.of("--warm", "--shared"), err, (channel, line) -> {
            AdaptersGrpc.AdaptersBlockingStub stub = AdaptersGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
            switch (args[0]) {
                case "push" -> push(channel, line, out, err);
                case "list" -> list(stub, line, out);
                case "show" -> show(stub, line, out);
                case "promote" -> {
                    var p = line.positionals(3, "TENANT/NAME ALIAS VERSION");
                    printChange(stub.promote(PromoteRequest.newBuilder().setName(p.get(0)).setAlias(p.get(1)).setVersion(p.get(2)).build()), out);
                }
                case "rollback" -> {
                    var p = line.positionals(2, "TENANT/NAME ALIAS");
                    printChange(stub.rollback(RollbackRequest.newBuilder().setName(p.get(0)).setAlias(p.get(1)).build()), out);
                }
                case "rm" -> {
                    var p = line.positionals(2, "TENANT/NAME VERSION");
                    var deleted = stub.delete(DeleteRequest.newBuilder().setName(p.get(0)).setVersion(p.get(1)).build());
                    out.println("deleted " + deleted.getName() + "@" + deleted.getVersion());
                }
                default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'");
            }
            return 0;
        });
    }

    private static void push(ManagedChannel channel, CommandLine line, PrintStream out, PrintStream err) throws Exception {
        Path folder = Path.of(line.positionals(1, "DIR").get(0));
        String name = line.option("--name", null);
        if (name == null) {
            throw new IllegalArgumentException("push needs --name TENANT/NAME");
        }
        UploadManifest.Builder manifest = UploadManifest.newBuilder().setName(name).setWarm(line.has("--warm"))
                .setPromote(line.option("--promote", "")).setCreator(line.option("--creator", System.getProperty("user.name", "")))
                .setParentVersion(line.option("--parent", "")).putAllLabels(line.pairs("--label"));
        line.pairs("--metric").forEach((k, v) -> manifest.putMetrics(k, Double.parseDouble(v)));
        ProgressBar progress = new ProgressBar(err, AdapterUploader.size(folder));
        VersionInfo version = AdapterUploader.upload(AdaptersGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES), folder,
                manifest, progress::update);
        progress.done();
        out.printf("published %s@%s (%s, %s)%s%n", version.getName(), version.getVersion(), version.getKind(),
                bytes(version.getSizeBytes()), version.getAliasesCount() > 0 ? ", aliases " + String.join(", ", version.getAliasesList()) : "");
    }

    private static void list(AdaptersGrpc.AdaptersBlockingStub stub, CommandLine line, PrintStream out) {
        Table table = new Table("ADAPTER", "VERSIONS", "ALIASES");
        for (AdapterSummary a : stub.list(ListAdaptersRequest.newBuilder().setTenant(line.option("--tenant", ""))
                .setIncludeShared(line.has("--shared")).build()).getAdaptersList()) {
            StringBuilder aliases = new StringBuilder();
            a.getAliasesMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> aliases.append(aliases.isEmpty() ? "" : "  ").append(e.getKey()).append("=").append(shortVersion(e.getValue())));
            table.row(a.getName(), a.getVersionCount(), aliases);
        }
        table.print(out);
    }

    private static void show(AdaptersGrpc.AdaptersBlockingStub stub, CommandLine line, PrintStream out) {
        AdapterDetails details = stub.get(GetAdapterRequest.newBuilder().setName(line.positionals(1, "TENANT/NAME").get(0)).build());
        out.println(details.getName());
        Table table = new Table("VERSION", "KIND", "RANK", "SIZE", "CREATED", "CREATOR", "RESIDENCY", "ALIASES", "METRICS");
        for (VersionInfo v : details.getVersionsList()) {
            table.row(shortVersion(v.getVersion()), v.getKind(), v.getRank() == 0 ? "-" : v.getMinRank() > 0 ? v.getMinRank() + "-" + v.getRank() : v.getRank(), bytes(v.getSizeBytes()),
                    v.getCreatedAt(), v.getCreator().isEmpty() ? "-" : v.getCreator(),
                    v.getResidency().name().replace("RESIDENCY_", "").toLowerCase(Locale.ROOT),
                    v.getAliasesCount() == 0 ? "-" : String.join(",", v.getAliasesList()),
                    v.getMetricsCount() == 0 ? "-" : v.getMetricsMap().toString());
        }
        table.print(out);
    }

    private static void printChange(AliasChange change, PrintStream out) {
        out.printf("%s@%s -> %s (was %s)%n", change.getName(), change.getAlias(), change.getVersion(),
                change.getPreviousVersion().isEmpty() ? "unset" : change.getPreviousVersion());
    }

    private static String shortVersion(String version) {
        return version.substring(0, Math.min(12, version.length()));
    }

    static String bytes(long n) {
        return n < 1024 ? n + " B" : n < 1 << 20 ? String.format(Locale.ROOT, "%.1f KiB", n / 1024.0)
                : String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
}
