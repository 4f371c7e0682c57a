package io.swapgate.core.adapter;

/** A loaded, validated adapter: immutable, shareable between requests and threads. */
public sealed interface Adapter permits LoraAdapter, PromptAdapter, PrefixAdapter, TempNetAdapter {

    AdapterIdentity identity();

    AdapterKind kind();

    /** Bytes of parameters held in memory. */
    long bytes();
}
