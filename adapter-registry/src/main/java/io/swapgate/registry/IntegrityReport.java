package io.swapgate.registry;

import java.util.List;

/**
 * What the startup check found.
 *
 * @param problems one line per thing quarantined or repaired; empty when all was well
 */
public record IntegrityReport(int versions, int aliases, List<String> problems) {}
