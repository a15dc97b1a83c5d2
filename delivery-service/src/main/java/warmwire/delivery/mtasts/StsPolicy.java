package warmwire.delivery.mtasts;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import warmwire.contracts.route.HostNames;

/**
 * NAME
 *   StsPolicy - an MTA-STS policy (RFC 8461 section 3.2) and its MX host patterns (section 4.1).
 * DESCRIPTION
 *   {@link #parse} reads the body of {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}:
 *   lines {@code key: value} ended by LF or CRLF, keys case-sensitive as the RFC writes them.
 *   {@code version} must be {@code STSv1}; {@code mode} {@code enforce}, {@code testing} or
 *   {@code none}; {@code max_age} seconds, at most 31,557,600 (a year); {@code mx} one or more
 *   patterns (required unless the mode is none); unknown keys are ignored. A body that breaks
 *   any of these is no policy ({@link StsPolicyException}: the sender goes on as without one,
 *   or keeps a cached policy). At most {@link #MAX_BODY} bytes are read.
 *   {@link #matches} is the MX rule: a pattern is a host name, matched without regard to case
 *   or a trailing dot, or {@code *.} and a domain, matching exactly one more label on the left
 *   ({@code *.example.com} matches {@code mx.example.com}, not {@code a.b.example.com} nor
 *   {@code example.com}).
 */
public record StsPolicy(Mode mode, List<String> mx, Duration maxAge) {
    /** RFC 8461 section 3.3 lets a sender bound the policy's size; 64 KiB as Postfix's policy servers do. */
    public static final int MAX_BODY = 64 * 1024;
    /** RFC 8461: max_age is at most 31557600 seconds. */
    public static final long MAX_AGE_SECONDS = 31_557_600L;

    public enum Mode {
        ENFORCE, TESTING, NONE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public StsPolicy {
        mx = List.copyOf(mx);
    }

    /** The policy of {@code body}, or StsPolicyException naming what is wrong. */
    public static StsPolicy parse(byte[] body) {
        if (body.length > MAX_BODY) {
            throw new StsPolicyException("policy larger than " + MAX_BODY + " bytes");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new StsPolicyException("not a key: value line: " + shorten(line));
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = once(version, value, key);
                case "mode" -> {
                    if (mode != null) {
                        throw new StsPolicyException("mode given twice");
                    }
                    mode = switch (value) {
                        case "enforce" -> Mode.ENFORCE;
                        case "testing" -> Mode.TESTING;
                        case "none" -> Mode.NONE;
                        default -> throw new StsPolicyException("unknown mode: " + shorten(value));
                    };
                }
                case "max_age" -> {
                    if (maxAge != null) {
                        throw new StsPolicyException("max_age given twice");
                    }
                    if (!value.matches("[0-9]{1,10}") || Long.parseLong(value) > MAX_AGE_SECONDS) {
                        throw new StsPolicyException("max_age is not 0.." + MAX_AGE_SECONDS + ": " + shorten(value));
                    }
                    maxAge = Long.parseLong(value);
                }
                case "mx" -> {
                    if (!validPattern(value)) {
                        throw new StsPolicyException("not an MX pattern: " + shorten(value));
                    }
                    mx.add(value.toLowerCase(Locale.ROOT));
                }
                default -> {
                    // extension keys are ignored (RFC 8461 section 3.2)
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new StsPolicyException(version == null ? "no version" : "version is not STSv1: " + shorten(version));
        }
        if (mode == null) {
            throw new StsPolicyException("no mode");
        }
        if (maxAge == null) {
            throw new StsPolicyException("no max_age");
        }
        if (mx.isEmpty() && mode != Mode.NONE) {
            throw new StsPolicyException("no mx pattern");
        }
        return new StsPolicy(mode, mx, Duration.ofSeconds(maxAge));
    }

    /** Whether {@code host} (an MX host name) is one this policy names. */
    public boolean matches(String host) {
        for (String p : mx) {
            if (HostNames.matchesMxPattern(p, host)) {
                return true;
            }
        }
        return false;
    }

    /** The policy's lines as RFC 8460 section 4.4 writes a policy-string: version, mode, each mx, max_age. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("version: STSv1");
        lines.add("mode: " + mode.wireName());
        for (String m : mx) {
            lines.add("mx: " + m);
        }
        lines.add("max_age: " + maxAge.toSeconds());
        return List.copyOf(lines);
    }

    private static boolean validPattern(String p) {
        String name = p.startsWith("*.") ? p.substring(2) : p;
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : HostNames.normalise(name).split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || !label.matches("[A-Za-z0-9-]+")) {
                return false;
            }
        }
        return true;
    }

    private static String once(String current, String value, String key) {
        if (current != null) {
            throw new StsPolicyException(key + " given twice");
        }
        return value;
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
