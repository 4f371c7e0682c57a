package io.swapgate.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece-style BPE over a scored vocabulary, as llama2.c's tokenizer and GGUF's "llama" tokenizer work:
 * take the vocabulary's special pieces (control, user-defined, unknown: {@code <|end|>}, {@code <start_of_turn>}) out of
 * the text first, longest first, each as its own token, as llama.cpp does with special tokens parsed; prepend a dummy
 * space to each remaining stretch of text that starts the text or follows a special piece (unless the vocabulary says
 * not to, as Gemma's), split into UTF-8 characters (unknown bytes fall back to {@code <0xXX>} tokens),
 * then repeatedly merge the adjacent pair whose merged piece has the highest score.
 *
 * <p>Pieces are kept as raw bytes (spaces as real spaces). Lookup keys are the bytes as ISO-8859-1 strings,
 * which maps bytes one-to-one to chars so concatenating keys concatenates bytes.
 */
public final class SentencePieceBpeTokenizer implements Tokenizer {

    private final byte[][] pieces;
    private final float[] scores;
    private final Map<String, Integer> ids;
    private final int[] byteTokens;
    private final int bosId;
    private final int eosId;
    private final boolean spacePrefix;
    /** Special pieces as text, longest first, and their ids. */
    private final String[] specialTexts;

    private final int[] specialIds;

    public SentencePieceBpeTokenizer(byte[][] pieces, float[] scores, int bosId, int eosId) {
        this(pieces, scores, bosId, eosId, true, new int[0]);
    }

    /**
     * @param spacePrefix whether text gets a dummy space first (GGUF {@code add_space_prefix}, true unless stated)
     * @param specials ids of pieces matched literally in text before anything else
     */
    public SentencePieceBpeTokenizer(
            byte[][] pieces, float[] scores, int bosId, int eosId, boolean spacePrefix, int[] specials) {
        if (pieces.length != scores.length) {
            throw new IllegalArgumentException("pieces and scores differ in length");
        }
        this.pieces = pieces;
        this.scores = scores;
        this.bosId = bosId;
        this.eosId = eosId;
        this.spacePrefix = spacePrefix;
        this.specialIds = java.util.Arrays.stream(specials)
                .filter(id -> id >= 0 && id < pieces.length && pieces[id].length > 0)
                .boxed()
                .sorted(java.util.Comparator.comparingInt((Integer id) -> -pieces[id].length)
                        .thenComparingInt(id -> id))
                .mapToInt(Integer::intValue)
                .toArray();
        this.specialTexts = java.util.Arrays.stream(specialIds)
                .mapToObj(id -> new String(pieces[id], StandardCharsets.UTF_8))
                .toArray(String[]::new);
        this.ids = new HashMap<>(pieces.length * 2);
        this.byteTokens = new int[256];
        java.util.Arrays.fill(byteTokens, -1);
        for (int id = 0; id < pieces.length; id++) {
            String key = key(pieces[id]);
            ids.putIfAbsent(key, id);
            int b = byteFallbackValue(key);
            if (b >= 0) {
                byteTokens[b] = id;
            }
        }
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        boolean afterSpecial = true; // the text's start counts as following a special piece
        for (Object fragment : partition(text)) {
            if (fragment instanceof Integer special) {
                out.add(special);
                afterSpecial = true;
            } else {
                out.addAll(encodeText((String) fragment, spacePrefix && afterSpecial));
                afterSpecial = false;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The text split around special pieces: strings of plain text and the special pieces' ids, in order. */
    private List<Object> partition(String text) {
        List<Object> fragments = new ArrayList<>();
        if (!text.isEmpty()) {
            fragments.add(text);
        }
        for (int s = 0; s < specialIds.length; s++) {
            String special = specialTexts[s];
            List<Object> split = new ArrayList<>();
            for (Object fragment : fragments) {
                if (!(fragment instanceof String plain) || !plain.contains(special)) {
                    split.add(fragment);
                    continue;
                }
                int from = 0;
                for (int at = plain.indexOf(special); at >= 0; at = plain.indexOf(special, from)) {
                    if (at > from) {
                        split.add(plain.substring(from, at));
                    }
                    split.add(specialIds[s]);
                    from = at + special.length();
                }
                if (from < plain.length()) {
                    split.add(plain.substring(from));
                }
            }
            fragments = split;
        }
        return fragments;
    }

    private List<Integer> encodeText(String text, boolean dummyPrefix) {
        List<Integer> tokens = new ArrayList<>();
        Integer dummySpace = dummyPrefix ? ids.get(" ") : null;
        if (dummySpace != null) {
            tokens.add(dummySpace);
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; ) {
            int length = utf8CharLength(utf8[i]);
            length = Math.min(length, utf8.length - i);
            Integer id = ids.get(new String(utf8, i, length, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens.add(id);
            } else {
                for (int j = i; j < i + length; j++) {
                    int fallback = byteTokens[utf8[j] & 0xff];
                    if (fallback < 0) {
                        throw new IllegalArgumentException("text has a byte the vocabulary cannot represent: 0x"
                                + Integer.toHexString(utf8[j] & 0xff));
                    }
                    tokens.add(fallback);
                }
            }
            i += length;
        }
        mergeByScore(tokens);
        return tokens;
    }

    /**
     * Merges until no adjacent pair forms a vocabulary piece, always the pair of highest score, the leftmost among
     * equals: what rescanning the whole list per merge does, in O(n log n). The symbols form a linked list over array
     * slots (a slot's index keeps its place in the text), and a heap holds candidate pairs; a candidate whose slots
     * merged since it was pushed is stale and skipped.
     */
    private void mergeByScore(List<Integer> tokens) {
        int n = tokens.size();
        int[] token = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            token[i] = tokens.get(i);
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        java.util.PriorityQueue<long[]> candidates = new java.util.PriorityQueue<>(Math.max(1, n), (a, b) -> {
            int byScore = Float.compare(scores[(int) b[2]], scores[(int) a[2]]);
            return byScore != 0 ? byScore : Long.compare(a[0], b[0]);
        });
        for (int i = 0; i + 1 < n; i++) {
            offer(candidates, token, i, i + 1);
        }
        while (!candidates.isEmpty()) {
            long[] best = candidates.poll();
            int left = (int) best[0];
            int right = (int) best[1];
            boolean stale = token[left] < 0
                    || token[right] < 0
                    || next[left] != right
                    || best[3] != pairKey(token, left, right);
            if (stale) {
                continue;
            }
            token[left] = (int) best[2];
            token[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(candidates, token, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(candidates, token, left, next[left]);
            }
        }
        tokens.clear();
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
            tokens.add(token[i]);
        }
    }

    /** Pushes the pair at slots {@code left} and {@code right} when their pieces merge into a vocabulary piece. */
    private void offer(java.util.PriorityQueue<long[]> candidates, int[] token, int left, int right) {
        Integer merged = ids.get(key(pieces[token[left]]) + key(pieces[token[right]]));
        if (merged != null) {
            candidates.add(new long[] {left, right, merged, pairKey(token, left, right)});
        }
    }

    /** The two tokens a candidate was made from, so that a candidate whose slots changed since is seen to be stale. */
    private static long pairKey(int[] token, int left, int right) {
        return ((long) token[left] << 32) | (token[right] & 0xffffffffL);
    }

    /** The raw bytes of a vocabulary entry as stored (byte-fallback entries read {@code <0xXX>}). */
    public byte[] piece(int tokenId) {
        return pieces[tokenId].clone();
    }

    public float score(int tokenId) {
        return scores[tokenId];
    }

    public int eosId() {
        return eosId;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public boolean endsSequence(int tokenId) {
        return tokenId == eosId || tokenId == bosId;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        return tokenBytes(-1, tokenId);
    }

    /** The raw bytes a token stands for when it follows {@code previous} (BOS strips one leading space). */
    public byte[] tokenBytes(int previous, int tokenId) {
        if (tokenId < 0 || tokenId >= pieces.length) {
            throw new IllegalArgumentException("token id " + tokenId + " outside vocabulary of " + pieces.length);
        }
        byte[] piece = pieces[tokenId];
        int b = byteFallbackValue(key(piece));
        if (b >= 0) {
            return new byte[] {(byte) b};
        }
        if (spacePrefix && previous == bosId && piece.length > 0 && piece[0] == ' ') {
            return java.util.Arrays.copyOfRange(piece, 1, piece.length);
        }
        return piece;
    }

    @Override
    public TokenDecoder newDecoder(int[] promptTokens) {
        int last = promptTokens.length == 0 ? -1 : promptTokens[promptTokens.length - 1];
        return new TokenDecoder() {
            private final Utf8Accumulator utf8 = new Utf8Accumulator();
            private int previous = last;

            @Override
            public String next(int tokenId) {
                byte[] bytes = tokenBytes(previous, tokenId);
                previous = tokenId;
                return utf8.append(bytes);
            }

            @Override
            public String flush() {
                return utf8.flush();
            }
        };
    }

    private static String key(byte[] piece) {
        return new String(piece, StandardCharsets.ISO_8859_1);
    }

    /** The byte a {@code <0xXX>} piece stands for, or -1 for any other piece. */
    private static int byteFallbackValue(String key) {
        if (key.length() == 6 && key.startsWith("<0x") && key.endsWith(">")) {
            try {
                return Integer.parseInt(key.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    private static int utf8CharLength(byte lead) {
        int b = lead & 0xff;
        if (b >= 0xf0 && b < 0xf8) {
            return 4;
        }
        if (b >= 0xe0) {
            return b < 0xf0 ? 3 : 1;
        }
        return b >= 0xc0 ? 2 : 1;
    }
}
