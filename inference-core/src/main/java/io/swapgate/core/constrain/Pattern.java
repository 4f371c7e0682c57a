package io.swapgate.core.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * A regular expression as a tree that builds automaton fragments, so a repeated part can be built as often as needed.
 * {@link #parse} reads the common syntax (literals, {@code .}, classes with ranges and negation, {@code \d \w \s} and
 * their negations, groups, alternation, {@code * + ? {n} {n,} {n,m}}); the whole text must match, so {@code ^} and
 * {@code $} at the ends are accepted and change nothing. Constructs an automaton over bytes cannot enforce are refused
 * by name: backreferences, lookaround, word boundaries, lazy quantifiers, and classes listing non-ASCII ranges.
 */
interface Pattern {

    /** The largest repetition count written as {n,m}: beyond it the automaton grows past any useful size. */
    int MAX_REPEAT = 1000;

    ByteNfa.Fragment build(ByteNfa nfa);

    /** One character: ASCII ranges (pairs), and any non-ASCII character too when {@code nonAscii}. */
    record Chars(int[] ascii, boolean nonAscii) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            return nfa.character(ascii, nonAscii);
        }
    }

    /** Exact text (UTF-8 bytes). */
    record Text(String text) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            return nfa.literal(text);
        }
    }

    record Sequence(List<Pattern> parts) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            return nfa.sequence(parts.stream().map(p -> p.build(nfa)).toList());
        }
    }

    record Choice(List<Pattern> options) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            return nfa.alternatives(options.stream().map(p -> p.build(nfa)).toList());
        }
    }

    /** {@code min} to {@code max} repetitions; max -1 is unbounded. */
    record Repeat(Pattern part, int min, int max) implements Pattern {
        @Override
        public ByteNfa.Fragment build(ByteNfa nfa) {
            List<ByteNfa.Fragment> built = new ArrayList<>();
            for (int i = 0; i < min; i++) {
                built.add(part.build(nfa));
            }
            if (max < 0) {
                built.add(nfa.star(part.build(nfa)));
            } else {
                // Nested optionals: a(b(c)?)? rather than a?b?c?, so each count is reached one way only.
                ByteNfa.Fragment tail = null;
                for (int i = min; i < max; i++) {
                    ByteNfa.Fragment one = part.build(nfa);
                    tail = nfa.optional(tail == null ? one : nfa.sequence(one, tail));
                }
                if (tail != null) {
                    built.add(tail);
                }
            }
            return nfa.sequence(built);
        }
    }

    static Pattern text(String text) {
        return new Text(text);
    }

    static Pattern parse(String regex) {
        return new Parser(regex).parseWhole();
    }

    /** Recursive descent over the regex text. */
    final class Parser {
        private static final int[] DIGIT = {'0', '9'};
        private static final int[] WORD = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
        private static final int[] SPACE = {'\t', '\r', ' ', ' '}; // \t \n \v \f \r and space

        private final String source;
        private int at;

        Parser(String source) {
            this.source = source;
        }

        Pattern parseWhole() {
            if (source.startsWith("^")) {
                at = 1;
            }
            Pattern p = alternation();
            if (at < source.length() && source.charAt(at) == '$' && at == source.length() - 1) {
                at++;
            }
            if (at != source.length()) {
                throw refuse("unexpected '" + source.charAt(at) + "'");
            }
            return p;
        }

        private Pattern alternation() {
            List<Pattern> options = new ArrayList<>();
            options.add(concatenation());
            while (at < source.length() && source.charAt(at) == '|') {
                at++;
                options.add(concatenation());
            }
            return options.size() == 1 ? options.get(0) : new Choice(options);
        }

        private Pattern concatenation() {
            List<Pattern> parts = new ArrayList<>();
            while (at < source.length() && source.charAt(at) != '|' && source.charAt(at) != ')') {
                if (source.charAt(at) == '$' && at == source.length() - 1) {
                    break;
                }
                parts.add(quantified(atom()));
            }
            return parts.size() == 1 ? parts.get(0) : new Sequence(parts);
        }

        private Pattern quantified(Pattern atom) {
            if (at >= source.length()) {
                return atom;
            }
            char c = source.charAt(at);
            Pattern result;
            if (c == '*') {
                at++;
                result = new Repeat(atom, 0, -1);
            } else if (c == '+') {
                at++;
                result = new Repeat(atom, 1, -1);
            } else if (c == '?') {
                at++;
                result = new Repeat(atom, 0, 1);
            } else if (c == '{' && source.indexOf('}', at) > at) {
                result = braces(atom);
            } else {
                return atom;
            }
            if (at < source.length() && (source.charAt(at) == '?' || source.charAt(at) == '+')) {
                throw refuse("lazy or possessive quantifiers");
            }
            return result;
        }

        private Pattern braces(Pattern atom) {
            int close = source.indexOf('}', at);
            String body = source.substring(at + 1, close);
            if (!body.matches("\\d{1,4}(,\\d{0,4})?")) {
                throw refuse("the quantifier {" + body + "}");
            }
            at = close + 1;
            int comma = body.indexOf(',');
            int min = Integer.parseInt(comma < 0 ? body : body.substring(0, comma));
            int max = comma < 0 ? min : body.length() == comma + 1 ? -1 : Integer.parseInt(body.substring(comma + 1));
            if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) {
                throw refuse("the quantifier {" + body + "} (counts up to " + MAX_REPEAT + ", min <= max)");
            }
            return new Repeat(atom, min, max);
        }

        private Pattern atom() {
            char c = source.charAt(at);
            switch (c) {
                case '(' -> {
                    at++;
                    if (source.startsWith("?:", at)) {
                        at += 2;
                    } else if (source.startsWith("?", at)) {
                        throw refuse("lookaround and named or flagged groups");
                    }
                    Pattern inner = alternation();
                    if (at >= source.length() || source.charAt(at) != ')') {
                        throw refuse("an unclosed group");
                    }
                    at++;
                    return inner;
                }
                case '[' -> {
                    return characterClass();
                }
                case '.' -> {
                    at++;
                    return new Chars(new int[] {0, '\n' - 1, '\n' + 1, 127}, true);
                }
                case '\\' -> {
                    return escape();
                }
                case '*', '+', '?', '{' -> throw refuse("a quantifier with nothing to repeat");
                case '^', '$' -> throw refuse("anchors inside the pattern");
                default -> {
                    int cp = source.codePointAt(at);
                    at += Character.charCount(cp);
                    return cp < 128
                            ? new Chars(new int[] {cp, cp}, false)
                            : new Text(new String(Character.toChars(cp)));
                }
            }
        }

        /** An escape: a class such as \d (as a Chars), or one literal character. */
        private Pattern escape() {
            at++;
            if (at >= source.length()) {
                throw refuse("a trailing backslash");
            }
            char c = source.charAt(at++);
            return switch (c) {
                case 'd' -> new Chars(DIGIT, false);
                case 'w' -> new Chars(WORD, false);
                case 's' -> new Chars(SPACE, false);
                case 'D' -> negated(DIGIT);
                case 'W' -> negated(WORD);
                case 'S' -> negated(SPACE);
                case 'n' -> single('\n');
                case 't' -> single('\t');
                case 'r' -> single('\r');
                case 'f' -> single('\f');
                case 'v' -> single(0x0B);
                case 'u' -> {
                    if (at + 4 > source.length()
                            || !source.substring(at, at + 4).matches("[0-9a-fA-F]{4}")) {
                        throw refuse("\\u without four hex digits");
                    }
                    int cp = Integer.parseInt(source.substring(at, at + 4), 16);
                    at += 4;
                    yield cp < 128 ? single(cp) : new Text(new String(Character.toChars(cp)));
                }
                case 'b', 'B' -> throw refuse("word boundaries (\\b)");
                default -> {
                    if (Character.isDigit(c)) {
                        throw refuse("backreferences");
                    }
                    if (Character.isLetter(c)) {
                        throw refuse("the escape \\" + c);
                    }
                    yield single(c);
                }
            };
        }

        private static Pattern single(int c) {
            return new Chars(new int[] {c, c}, false);
        }

        private static Chars negated(int[] ranges) {
            return (Chars) complement(ranges);
        }

        /** Every character outside the ASCII ranges, non-ASCII ones included. */
        private static Pattern complement(int[] ranges) {
            return new Chars(ByteNfa.asciiComplement(ranges), true);
        }

        private Pattern characterClass() {
            at++;
            boolean negate = at < source.length() && source.charAt(at) == '^';
            if (negate) {
                at++;
            }
            List<Integer> ascii = new ArrayList<>();
            List<Pattern> others = new ArrayList<>();
            boolean first = true;
            while (at < source.length() && (source.charAt(at) != ']' || first)) {
                first = false;
                int lo;
                if (source.charAt(at) == '\\') {
                    Pattern escaped = escape();
                    if (escaped instanceof Chars chars && (chars.ascii().length != 2 || chars.nonAscii())) {
                        if (chars.nonAscii()) {
                            throw refuse("negated escapes (\\D, \\W, \\S) inside a class");
                        }
                        for (int r : chars.ascii()) {
                            ascii.add(r);
                        }
                        continue;
                    }
                    if (escaped instanceof Text text) {
                        others.add(text);
                        continue;
                    }
                    lo = ((Chars) escaped).ascii()[0];
                } else {
                    lo = source.codePointAt(at);
                    at += Character.charCount(lo);
                }
                int hi = lo;
                if (at + 1 < source.length() && source.charAt(at) == '-' && source.charAt(at + 1) != ']') {
                    at++;
                    if (source.charAt(at) == '\\') {
                        Pattern escaped = escape();
                        if (!(escaped instanceof Chars chars) || chars.ascii().length != 2 || chars.nonAscii()) {
                            throw refuse("a class range ending in a class escape");
                        }
                        hi = chars.ascii()[0];
                    } else {
                        hi = source.codePointAt(at);
                        at += Character.charCount(hi);
                    }
                }
                if (hi < lo) {
                    throw refuse("the reversed class range");
                }
                if (hi >= 128) {
                    if (lo != hi || negate) {
                        throw refuse("classes with non-ASCII ranges or negated non-ASCII characters");
                    }
                    others.add(new Text(new String(Character.toChars(lo))));
                } else {
                    ascii.add(lo);
                    ascii.add(hi);
                }
            }
            if (at >= source.length()) {
                throw refuse("an unclosed character class");
            }
            at++;
            int[] ranges = ascii.stream().mapToInt(Integer::intValue).toArray();
            if (negate) {
                return complement(ranges);
            }
            Chars chars = new Chars(ranges, false);
            if (others.isEmpty()) {
                return chars;
            }
            List<Pattern> options = new ArrayList<>(others);
            if (ranges.length > 0) {
                options.add(chars);
            }
            return new Choice(options);
        }

        private ConstraintException refuse(String construct) {
            return new ConstraintException("the regular expression cannot be enforced: " + construct + " (at character "
                    + at + " of '" + abbreviate(source) + "')");
        }

        private static String abbreviate(String text) {
            return text.length() <= 80 ? text : text.substring(0, 77) + "...";
        }
    }
}
