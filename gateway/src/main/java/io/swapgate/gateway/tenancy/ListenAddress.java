package io.swapgate.gateway.tenancy;

import java.util.Locale;

/** Whether the address the gateway listens on can be reached from other machines. */
public final class ListenAddress {

    private ListenAddress() {}

    /** True for loopback hosts only: {@code localhost}, {@code 127.0.0.0/8} and {@code ::1}. */
    public static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1")
                || (h.startsWith("127.") && h.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    }
}
