package io.swapgate.core.adapter;

/** No adapter exists under the reference a request named. */
public class AdapterNotFoundException extends RuntimeException {

    public AdapterNotFoundException(String reference, String where) {
        super("adapter '" + reference + "' not found" + (where.isEmpty() ? "" : ": " + where));
    }
}
