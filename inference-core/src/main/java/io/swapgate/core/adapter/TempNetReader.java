package io.swapgate.core.adapter;

import java.util.Locale;
import java.util.Set;

/** Builds a {@link TempNetAdapter} from Swapgate's TEMPNET extension of the PEFT layout. */
final class TempNetReader {

    static final String FC1_WEIGHT = "tempnet.fc1.weight";
    static final String FC1_BIAS = "tempnet.fc1.bias";
    static final String FC2_WEIGHT = "tempnet.fc2.weight";
    static final String FC2_BIAS = "tempnet.fc2.bias";
    /** A temperature network is a small head: far wider than this is a mistake or an attempt to make us allocate. */
    static final int MAX_HIDDEN_SIZE = 4096;

    private TempNetReader() {}

    static TempNetAdapter read(PeftAdapterReader.PeftContext c, AdapterIdentity identity) {
        String inputName = c.config().path("input").asText("logits");
        TempNetAdapter.Input input;
        try {
            input = TempNetAdapter.Input.valueOf(inputName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw c.configProblem("input must be 'logits' or 'hidden', got '" + inputName + "'");
        }
        int hidden = c.positiveInt("hidden_size");
        if (hidden > MAX_HIDDEN_SIZE) {
            throw c.configProblem("hidden_size " + hidden + " exceeds the largest TempNet served, " + MAX_HIDDEN_SIZE);
        }
        float tauMin = c.number("tau_min", 0.01f);
        float tauMax = c.number("tau_max", 1.2f);
        float rho = c.number("rho", Float.NaN);
        if (!(tauMin > 0 && tauMax > tauMin)) {
            throw c.configProblem(
                    "temperature range must satisfy 0 < tau_min < tau_max, got [" + tauMin + ", " + tauMax + "]");
        }
        int in = input == TempNetAdapter.Input.LOGITS
                ? c.base().vocabSize()
                : c.base().dim();
        c.requireOnly(Set.of(FC1_WEIGHT, FC1_BIAS, FC2_WEIGHT, FC2_BIAS));
        c.checkShape(FC1_WEIGHT, hidden, in);
        c.checkShape(FC1_BIAS, hidden);
        c.checkShape(FC2_WEIGHT, 1, hidden);
        c.checkShape(FC2_BIAS, 1);
        return new TempNetAdapter(
                identity,
                input,
                tauMin,
                tauMax,
                rho,
                c.tensor(FC1_WEIGHT, hidden, in),
                c.tensor(FC1_BIAS, hidden),
                c.tensor(FC2_WEIGHT, 1, hidden),
                c.tensor(FC2_BIAS, 1));
    }
}
