package io.swapgate.core.adapter;

/** The four adapter kinds; a request may compose one of each. */
public enum AdapterKind {
    LORA("LORA"),
    PROMPT("PROMPT_TUNING"),
    PREFIX("PREFIX_TUNING"),
    TEMPNET("TEMPNET");

    private final String peftType;

    AdapterKind(String peftType) {
        this.peftType = peftType;
    }

    /** The {@code peft_type} value of {@code adapter_config.json}. */
    public String peftType() {
        return peftType;
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
