package io.swapgate.core.adapter;

/** An adapter exists under the reference but its files cannot be served on this base model. */
public class UnservableAdapterException extends RuntimeException {

    public UnservableAdapterException(String reference, String problem, Throwable cause) {
        super("adapter '" + reference + "' cannot be served: " + problem, cause);
    }
}
