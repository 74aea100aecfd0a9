package dev.inlet.common.text;

/**
 * The one check of client text for valid Unicode, shared by the tracking and admin APIs. JSON lets a client escape a
 * lone surrogate ({@code "\\ud800"} without its pair, or a low one alone): Java keeps it in a String, but it is no
 * character, and DynamoDB may refuse to store it — a write failing after validation passed, answered as an outage.
 */
public final class UnicodeText {

    private UnicodeText() {
    }

    /** True when some surrogate in {@code text} is not half of a high-low pair (a pair reversed counts too). */
    public static boolean hasUnpairedSurrogate(String text) {
        // Most text holds no surrogate at all: one mask test per character until the first one.
        int n = text.length();
        int first = 0;
        while (first < n && (text.charAt(first) & 0xF800) != 0xD800) {
            first++;
        }
        for (int i = first; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
