package dev.inlet.common.source;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * An allowed browser origin: {@code scheme://host[:port]} exactly, or {@code https://*.example.com} for any
 * subdomain (not the apex, as browsers and CORS libraries treat it). Stored in the canonical lower-case form.
 */
public final class OriginRule {

    private static final int MAX_LENGTH = 253 + 20;

    private OriginRule() {
    }

    /** The canonical form of a rule, or empty when {@code text} is not a valid rule. */
    public static Optional<String> canonical(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH || !text.equals(text.strip())) {
            return Optional.empty();
        }
        String lower = text.toLowerCase(Locale.ROOT);
        boolean wildcard = lower.contains("://*.");
        String parseable = wildcard ? lower.replace("://*.", "://wildcard.") : lower;
        URI uri;
        try {
            uri = new URI(parseable);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String scheme = uri.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            return Optional.empty();
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
            return Optional.empty();
        }
        String host = uri.getHost();
        if (wildcard && (lower.indexOf('*') != lower.lastIndexOf('*') || host.split("\\.").length < 3
                || isPublicSuffixLike(host.substring("wildcard.".length())))) {
            return Optional.empty(); // one wildcard, and never *.com or *.co.uk
        }
        if (!wildcard && lower.contains("*")) {
            return Optional.empty();
        }
        int port = uri.getPort();
        if (port == 0 || port > 65535) {
            return Optional.empty();
        }
        String canonicalHost = wildcard ? "*." + host.substring("wildcard.".length()) : host;
        // Browsers omit the default port from Origin, so https://x:443 is stored as https://x or it never matches.
        boolean defaultPort = port == 443 && scheme.equals("https") || port == 80 && scheme.equals("http");
        return Optional.of(scheme + "://" + canonicalHost + (port > 0 && !defaultPort ? ":" + port : ""));
    }

    /**
     * Registries' second levels under a country code ({@code co.uk}, {@code com.au}, {@code org.br}, …): a wildcard
     * over one would allow every company of a country. A heuristic, not the Public Suffix List (not bundled): two
     * labels, a two-letter top level, and a second level that registries use for public registrations.
     */
    private static boolean isPublicSuffixLike(String base) {
        String[] labels = base.split("\\.");
        return labels.length == 2 && labels[1].length() == 2 && java.util.Set.of("co", "com", "net", "org", "gov",
                "edu", "ac", "ltd", "plc", "ne", "or", "gob", "nic", "mil", "info", "biz").contains(labels[0]);
    }

    /** Whether a request's {@code Origin} header value is allowed by the canonical {@code rule}. */
    public static boolean allows(String rule, String origin) {
        if (origin == null) {
            return false;
        }
        String candidate = origin.toLowerCase(Locale.ROOT);
        if (!rule.contains("://*.")) {
            return rule.equals(candidate);
        }
        int schemeEnd = rule.indexOf("://");
        String scheme = rule.substring(0, schemeEnd + 3);
        String suffix = rule.substring(schemeEnd + 4); // ".example.com[:port]"
        if (!candidate.startsWith(scheme) || !candidate.endsWith(suffix)) {
            return false;
        }
        String label = candidate.substring(scheme.length(), candidate.length() - suffix.length());
        return !label.isEmpty() && label.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '.');
    }
}
