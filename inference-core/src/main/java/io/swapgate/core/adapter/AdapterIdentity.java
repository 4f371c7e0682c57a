package io.swapgate.core.adapter;

/**
 * Which adapter this is.
 *
 * @param name the reference it was loaded under, e.g. {@code demo/lora-alice}
 * @param version sha256 (hex) of its files: two adapters with the same version are byte-for-byte the same
 */
public record AdapterIdentity(String name, String version) {}
