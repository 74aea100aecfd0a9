package dev.inlet.functions.ingestion;

/** UTF-8 lengths of text, counted without encoding it (a copy of the text per check is a measurable cost). */
final class Utf8 {

    private Utf8() {
    }

    /**
     * What {@code text.getBytes(UTF_8).length} is: an unpaired surrogate counts as the one byte of the '?' that
     * encoding puts in its place.
     */
    static int length(String text) {
        int bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 2; // two chars, four bytes
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            }
        }
        return bytes;
    }

    /** The UTF-8 length of {@code text}, or -1 if it holds an unpaired surrogate (which UTF-8 cannot encode). */
    static int lengthIfEncodable(String text) {
        int bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return -1;
                }
                bytes += 2;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                bytes += 2;
            }
        }
        return bytes;
    }
}
