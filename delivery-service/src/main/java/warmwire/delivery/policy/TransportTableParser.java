package warmwire.delivery.policy;

import io.netty.util.NetUtil;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * NAME
 *   TransportTableParser - reads routes-file text into a {@link TransportTable}.
 * SYNOPSIS
 *   <pre>
 *   # comment
 *   example.com        [192.0.2.10]:2525    # IP literal, no MX lookup
 *   example.net        [relay.example.net]  # host's A/AAAA, port warmwire.smtp.port
 *   .example.net       smtp:mx.example.org:26   # subdomains; MX lookup on mx.example.org
 *   example.org        mx.example.org       # MX lookup on mx.example.org, default port
 *   v6.example         [ipv6:2001:db8::1]:25
 *   *                  [127.0.0.1]:2525     # everything else
 *   </pre>
 * DESCRIPTION
 *   Postfix transport(5) syntax restricted to what an SMTP client needs: a key (a domain,
 *   {@code .domain} for its subdomains, or {@code *}), white space, and a nexthop with an
 *   optional {@code smtp:} or {@code relay:} transport. Blank lines and lines whose first
 *   non-blank character is {@code #} are ignored; a line starting with white space continues
 *   the previous one, as in Postfix. Unlike Postfix, a {@code #} after white space also starts
 *   a comment. Keys are case-insensitive.
 *
 *   Anything else is an error naming the line: a missing or extra field, another transport
 *   ({@code error:}, {@code discard:}, ...), a bad port, an IP address without brackets, a
 *   malformed host, a repeated key, or a list of nexthops.
 */
public final class TransportTableParser {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    private TransportTableParser() {
    }

    /** Parses {@code lines}; {@code source} (the file name) appears in error messages. */
    public static TransportTable parse(List<String> lines, String source) {
        Map<String, Nexthop> routes = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new HashMap<>();
        String logical = null;
        int logicalStart = 0;
        for (int i = 0; i <= lines.size(); i++) {
            String raw = i < lines.size() ? stripComment(lines.get(i)) : "";
            boolean continuation = i < lines.size() && !raw.isBlank() && Character.isWhitespace(raw.charAt(0));
            if (continuation) {
                if (logical == null) {
                    throw new RoutesFileException(source, i + 1, lines.get(i),
                            "continuation line (starts with white space) without a line to continue");
                }
                logical = logical + " " + raw.trim();
                continue;
            }
            if (logical != null) {
                entry(routes, firstLine, source, logicalStart, logical);
                logical = null;
            }
            if (!raw.isBlank()) {
                logical = raw.trim();
                logicalStart = i + 1;
            }
        }
        return new TransportTable(routes);
    }

    private static String stripComment(String line) {
        if (line.stripLeading().startsWith("#")) {
            return "";
        }
        for (int i = 1; i < line.length(); i++) {
            if (line.charAt(i) == '#' && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    private static void entry(Map<String, Nexthop> routes, Map<String, Integer> firstLine, String source, int lineNo,
                              String line) {
        String[] fields = line.split("\\s+");
        if (fields.length < 2) {
            throw new RoutesFileException(source, lineNo, line, "expected 'domain nexthop', found no nexthop");
        }
        if (fields.length > 2) {
            throw new RoutesFileException(source, lineNo, line, "expected 'domain nexthop', found "
                    + fields.length + " fields");
        }
        String key = key(fields[0], source, lineNo, line);
        Nexthop nexthop = nexthop(fields[1], source, lineNo, line);
        Integer before = firstLine.putIfAbsent(key, lineNo);
        if (before != null) {
            throw new RoutesFileException(source, lineNo, line, "duplicate key '" + key + "' (first on line "
                    + before + ")");
        }
        routes.put(key, nexthop);
    }

    private static String key(String field, String source, int lineNo, String line) {
        String k = field.toLowerCase(Locale.ROOT);
        if (k.equals("*")) {
            return k;
        }
        if (k.contains("@")) {
            throw new RoutesFileException(source, lineNo, line, "only domain keys are supported, not addresses");
        }
        boolean parent = k.startsWith(".");
        String domain = parent ? k.substring(1) : k;
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!isHostName(domain)) {
            throw new RoutesFileException(source, lineNo, line, "bad domain '" + field + "'");
        }
        return parent ? "." + domain : domain;
    }

    private static Nexthop nexthop(String field, String source, int lineNo, String line) {
        String v = field;
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.startsWith("smtp:")) {
            v = v.substring(5);
        } else if (lower.startsWith("relay:")) {
            v = v.substring(6);
        } else if (lower.matches("[a-z][a-z0-9_-]*:.*") && !lower.matches("[^:\\[]+:\\d+")) {
            throw new RoutesFileException(source, lineNo, line, "unsupported transport '"
                    + v.substring(0, v.indexOf(':')) + "' (only smtp: and relay:)");
        }
        if (v.isEmpty()) {
            return new Nexthop(null, 0, true);
        }
        if (v.contains(",")) {
            throw new RoutesFileException(source, lineNo, line, "lists of nexthops are not supported");
        }
        String host;
        String rest;
        boolean bracketed = v.startsWith("[");
        if (bracketed) {
            int close = v.indexOf(']');
            if (close < 0) {
                throw new RoutesFileException(source, lineNo, line, "missing ']' in '" + field + "'");
            }
            host = v.substring(1, close);
            rest = v.substring(close + 1);
            if (host.regionMatches(true, 0, "ipv6:", 0, 5)) {
                host = host.substring(5);
                if (!NetUtil.isValidIpV6Address(host)) {
                    throw new RoutesFileException(source, lineNo, line, "bad IPv6 address '" + host + "'");
                }
            }
        } else {
            int colon = v.indexOf(':');
            host = colon < 0 ? v : v.substring(0, colon);
            rest = colon < 0 ? "" : v.substring(colon);
        }
        int port = 0;
        if (!rest.isEmpty()) {
            if (!rest.startsWith(":") || !rest.substring(1).matches("\\d{1,5}")) {
                throw new RoutesFileException(source, lineNo, line, "bad port in '" + field + "'");
            }
            port = Integer.parseInt(rest.substring(1));
            if (port < 1 || port > 65535) {
                throw new RoutesFileException(source, lineNo, line, "port out of range in '" + field + "'");
            }
        }
        boolean ip = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        if (ip && !bracketed) {
            throw new RoutesFileException(source, lineNo, line, "an IP address needs brackets: '[" + host + "]'");
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".") && !ip) {
            h = h.substring(0, h.length() - 1);
        }
        if (!ip && !isHostName(h)) {
            throw new RoutesFileException(source, lineNo, line, "bad host '" + host + "'");
        }
        return new Nexthop(h, port, !bracketed);
    }

    /** Letters, digits, hyphens and underscores in dot-separated labels of at most 63 characters. */
    static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
