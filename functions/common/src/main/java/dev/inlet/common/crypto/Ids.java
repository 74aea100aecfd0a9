package dev.inlet.common.crypto;

/** Public identifiers: a type prefix and 20 random base62 characters (≈119 bits, so they cannot be guessed). */
public final class Ids {

    public static final String SOURCE = "wk_";
    public static final String KEY = "key_";
    public static final String PROJECT = "prj_";
    public static final String ADMIN_TOKEN = "tok_";

    private Ids() {
    }

    public static String newId(String prefix) {
        return prefix + Base62.random(Secrets.secureRandom(), 20);
    }

    /** Cheap shape check, so a path parameter that cannot be an id is refused before any read. */
    public static boolean looksLike(String id, String prefix) {
        return id != null && id.length() == prefix.length() + 20 && id.startsWith(prefix)
                && Base62.isBase62(id.substring(prefix.length()));
    }
}
