package io.swapgate.gateway.serving;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An adapter reference as a request writes it, with an optional blend weight after a colon: {@code demo/a@stable:0.7}.
 * Names, aliases and versions never hold a colon, so the last one starts the weight; the weight is a plain decimal
 * (no exponent, NaN or infinity), checked for range where the blend is built.
 *
 * @param weight the weight, or null when the reference gave none
 */
public record WeightedReference(String reference, Float weight) {

    private static final Pattern WEIGHTED = Pattern.compile("(.+):(-?[0-9]{1,3}(?:\\.[0-9]{1,6})?)");

    public static WeightedReference parse(String text) {
        Matcher m = WEIGHTED.matcher(text);
        if (m.matches()) {
            return new WeightedReference(m.group(1), Float.parseFloat(m.group(2)));
        }
        if (text.indexOf(':') >= 0) {
            throw new IllegalArgumentException(
                    "a weight follows the reference as a decimal number, as in demo/a:0.7; got '" + text + "'");
        }
        return new WeightedReference(text, null);
    }
}
