package io.swapgate.registry;

import java.nio.file.Path;

/** A reference resolved to one immutable version and the folder holding its files. */
public record ResolvedVersion(AdapterName name, String version, Path folder) {}
