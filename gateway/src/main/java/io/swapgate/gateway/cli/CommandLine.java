package io.swapgate.gateway.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parsed {@code --flag value} options (repeatable), boolean {@code --switch}es and positional arguments. */
record CommandLine(Map<String, List<String>> options, Set<String> switches, List<String> positionals) {

    static CommandLine parse(String[] args, int from, Set<String> valueFlags, Set<String> switchFlags) {
        Map<String, List<String>> options = new HashMap<>();
        Set<String> switches = new java.util.HashSet<>();
        List<String> positionals = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (valueFlags.contains(arg)) {
                options.computeIfAbsent(arg, k -> new ArrayList<>()).add(GenerateOptions.value(args, ++i, arg));
            } else if (switchFlags.contains(arg)) {
                switches.add(arg);
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected flag '" + arg + "'");
            } else {
                positionals.add(arg);
            }
        }
        return new CommandLine(options, switches, positionals);
    }

    /** Prints a usage error and returns the exit status for one: 2. */
    static int usageError(java.io.PrintStream err, String usage, String message) {
        err.println("error: " + message);
        err.print(usage);
        return 2;
    }

    String option(String flag, String fallback) {
        List<String> values = options.get(flag);
        return values == null ? fallback : values.get(values.size() - 1);
    }

    List<String> all(String flag) {
        return options.getOrDefault(flag, List.of());
    }

    boolean has(String flag) {
        return switches.contains(flag);
    }

    /** The positional arguments, exactly {@code count} of them. */
    List<String> positionals(int count, String usage) {
        if (positionals.size() != count) {
            throw new IllegalArgumentException("expected " + usage);
        }
        return positionals;
    }

    /** {@code key=value} pairs of a repeatable flag. */
    Map<String, String> pairs(String flag) {
        Map<String, String> pairs = new HashMap<>();
        for (String pair : all(flag)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(flag + " needs key=value, got '" + pair + "'");
            }
            pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return pairs;
    }
}
