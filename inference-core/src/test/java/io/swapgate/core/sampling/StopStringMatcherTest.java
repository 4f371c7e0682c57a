package io.swapgate.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    /** Feeds the pieces in order; returns what was emitted for each. */
    private static List<String> feed(StopStringMatcher matcher, String... pieces) {
        List<String> out = new ArrayList<>();
        for (String piece : pieces) {
            out.add(matcher.accept(piece));
        }
        return out;
    }

    @Test
    void textThatCannotStartAStopIsEmittedAtOnce() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("###"));
        assertEquals(List.of("Once upon", " a time"), feed(matcher, "Once upon", " a time"));
        assertFalse(matcher.stopped());
        assertEquals("", matcher.flush());
    }

    @Test
    void aStopSplitAcrossPiecesIsHeldBackAndNeverEmitted() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END"));
        assertEquals(List.of("The ", "", "", ""), feed(matcher, "The E", "N", "D", " more"));
        assertTrue(matcher.stopped());
    }

    @Test
    void heldTextIsReleasedAsSoonAsItCannotBeAStop() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END"));
        assertEquals("", matcher.accept("EN"));
        assertEquals("ENX", matcher.accept("X"), "'ENX' starts no stop: the held 'EN' goes out with it");
        assertFalse(matcher.stopped());
    }

    @Test
    void theTextBeforeTheStopIsEmittedAndNothingAfterIt() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("\n\n"));
        assertEquals("first paragraph", matcher.accept("first paragraph\n\nsecond"));
        assertTrue(matcher.stopped());
        assertEquals("", matcher.accept("more text"), "nothing is emitted once stopped");
        assertEquals("", matcher.flush(), "nor flushed: the stop and what followed it are dropped");
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END", "STOP"));
        assertEquals("a ", matcher.accept("a STOP b END"));
        assertTrue(matcher.stopped());
    }

    @Test
    void overlappingStopsEndAtTheOneThatStartsFirst() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("bcd", "abc"));
        assertEquals("x", matcher.accept("xabcd"));
    }

    @Test
    void aRepeatedCharacterBeforeTheStopIsNotSwallowed() {
        // "aab" inside "aaab": only the first "a" is text, and it must come out, not stay held as a possible start.
        StopStringMatcher matcher = new StopStringMatcher(List.of("aab"));
        assertEquals(List.of("", "", "a", ""), feed(matcher, "a", "a", "a", "b"));
        assertTrue(matcher.stopped());
    }

    @Test
    void onlyTheLongestSuffixThatCouldStartAStopIsHeld() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("<end>", "dx"));
        assertEquals("abc", matcher.accept("abc<en"), "'<en' could become '<end>'");
        assertEquals("", matcher.accept("d"), "'<end' still could");
        assertEquals("<endy", matcher.accept("y"), "and now cannot");
    }

    @Test
    void flushReleasesWhatIsHeldWhenGenerationEndsForAnotherReason() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("User:"));
        assertEquals("Answer. ", matcher.accept("Answer. Us"));
        assertEquals("Us", matcher.flush(), "the length limit ended it: the partial stop was text after all");
        assertEquals("", matcher.flush(), "released once");
        assertFalse(matcher.stopped());
    }

    @Test
    void withoutStopsEverythingIsEmittedAsItComes() {
        StopStringMatcher matcher = new StopStringMatcher(List.of());
        assertEquals(List.of("a", "", "b"), feed(matcher, "a", "", "b"));
        assertEquals("", matcher.flush());
        assertFalse(matcher.stopped());
    }

    @Test
    void aPieceThatIsExactlyTheStopEmitsNothing() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("</s>"));
        assertEquals("", matcher.accept("</s>"));
        assertTrue(matcher.stopped());
    }

    @Test
    void stopsAreMatchedExactlyNotIgnoringCase() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END"));
        assertEquals("the end.", matcher.accept("the end."));
        assertFalse(matcher.stopped());
    }

    @Test
    void theMatcherKeepsItsOwnCopyOfTheStops() {
        List<String> stops = new ArrayList<>(List.of("END"));
        StopStringMatcher matcher = new StopStringMatcher(stops);
        stops.set(0, "a");
        assertEquals("a b c", matcher.accept("a b c"), "changing the caller's list changes nothing");
        assertThrows(
                NullPointerException.class,
                () -> new StopStringMatcher(Arrays.asList("END", null)),
                "a null stop is refused at once, not on the first piece of text");
    }

    /**
     * However the text is cut into pieces, what comes out is the text up to the earliest stop, and no emitted piece
     * ever contains part of a stop: the matcher's whole contract, over random cuts of texts full of near misses.
     */
    @Test
    void anyCuttingOfTheTextEmitsExactlyTheTextBeforeTheFirstStop() {
        List<String> stops = List.of("ab", "aab", "bba", "a\nb");
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 2_000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(1, 24); i > 0; i--) {
                text.append("ab\nx".charAt(random.nextInt(4)));
            }
            int first = -1;
            for (String stop : stops) {
                int at = text.indexOf(stop);
                if (at >= 0 && (first < 0 || at < first)) {
                    first = at;
                }
            }
            StopStringMatcher matcher = new StopStringMatcher(stops);
            StringBuilder emitted = new StringBuilder();
            int at = 0;
            while (at < text.length()) {
                int end = Math.min(text.length(), at + random.nextInt(0, 5)); // empty pieces too
                String out = matcher.accept(text.substring(at, end));
                emitted.append(out);
                at = end;
            }
            if (!matcher.stopped()) {
                emitted.append(matcher.flush());
            }
            String expected = first < 0 ? text.toString() : text.substring(0, first);
            assertEquals(expected, emitted.toString(), "text " + text.toString().replace("\n", "\\n"));
            assertEquals(
                    first >= 0, matcher.stopped(), "text " + text.toString().replace("\n", "\\n"));
        }
    }
}
