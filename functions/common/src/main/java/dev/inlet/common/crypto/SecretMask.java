package dev.inlet.common.crypto;

import java.util.regex.Pattern;

/**
 * The one pattern for text shaped like an Inlet bearer secret — a write key ({@code inlet_<live|test>_<pk|sk>_…}), a
 * project admin token ({@code inlet_pat_…}) or a root token as the local runtime makes them ({@code inlet_root_…}) —
 * and its mask. Any text that may echo what a caller sent (a parser's
 * message quotes the token it choked on, a debugger excerpt shows the body) goes through {@link #mask} before it is
 * answered, stored or logged. A cut-off secret is still matched: the random part may have any length.
 */
public final class SecretMask {

    /** Write keys, project and root tokens, whole or cut off, in any surrounding text. */
    public static final Pattern SECRET = Pattern.compile("inlet_(?:(?:live|test)_(?:pk|sk)|pat|root)_[0-9A-Za-z]*");

    public static final String MASK = "[secret]";

    private SecretMask() {
    }

    /** {@code text} with everything shaped like a key or token replaced by {@link #MASK}. */
    public static String mask(String text) {
        return text == null ? null : SECRET.matcher(text).replaceAll(MASK);
    }
}
