package io.swapgate.retraining;

import io.swapgate.registry.AdapterName;
import java.io.IOException;

/**
 * Asked before a training job publishes a version: the owner's storage quota. What it admits is held until the
 * version is published (or the publish fails), so parallel publishes and uploads cannot together pass the quota.
 */
@FunctionalInterface
public interface PublishGuard {

    /** A held admission; closing it lets go of what it holds. */
    interface Admission extends AutoCloseable {
        @Override
        void close();
    }

    /** @throws RuntimeException when {@code bytes} more under {@code name} would pass a quota (nothing is published) */
    Admission admit(AdapterName name, long bytes) throws IOException;
}
