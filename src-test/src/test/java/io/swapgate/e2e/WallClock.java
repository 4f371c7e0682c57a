package io.swapgate.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test that compares wall-clock times measured side by side in one run. It prints its figures whatever the verdict,
 * and its margins are wide: a broken feature misses them many times over, noise does not. On a machine too loaded to
 * keep time, {@code -Dfailsafe.excludedGroups=wall-clock} leaves these tests out.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("wall-clock")
public @interface WallClock {}
