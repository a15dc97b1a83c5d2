package warmwire.session.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NAME
 *   Capabilities - the SMTP service extensions a server announced in its EHLO reply.
 * DESCRIPTION
 *   The first line of the EHLO reply is the server's name and greeting; each further line is
 *   a keyword and optional parameters (RFC 5321 section 4.1.1.1). Keywords are compared
 *   case-insensitively. After HELO, or before EHLO, a server has {@link #NONE}.
 *   Known here: PIPELINING (RFC 2920), STARTTLS (RFC 3207), SIZE (RFC 1870), 8BITMIME
 *   (RFC 6152), SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034).
 */
public final class Capabilities {
    public static final Capabilities NONE = new Capabilities(Map.of());

    private final Map<String, String> keywords;

    private Capabilities(Map<String, String> keywords) {
        this.keywords = keywords;
    }

    /** From a positive EHLO reply. */
    public static Capabilities parse(Reply ehlo) {
        return parse(ehlo.lines());
    }

    /** From the lines of an EHLO reply, the first being the greeting. */
    public static Capabilities parse(List<String> lines) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty()) {
                continue;
            }
            int sp = indexOfSpace(l);
            String kw = (sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT);
            String params = sp < 0 ? "" : l.substring(sp + 1).trim();
            m.putIfAbsent(kw, params);
        }
        return new Capabilities(Collections.unmodifiableMap(m));
    }

    private static int indexOfSpace(String l) {
        for (int i = 0; i < l.length(); i++) {
            if (l.charAt(i) == ' ' || l.charAt(i) == '\t' || l.charAt(i) == '=') {
                return i;
            }
        }
        return -1;
    }

    public boolean has(String keyword) {
        return keywords.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** Parameters of a keyword, "" when it has none, null when not announced. */
    public String params(String keyword) {
        return keywords.get(keyword.toUpperCase(Locale.ROOT));
    }

    public boolean pipelining() {
        return has("PIPELINING");
    }

    /** RFC 3030: the message may go in BDAT chunks instead of DATA. */
    public boolean chunking() {
        return has("CHUNKING");
    }

    public boolean starttls() {
        return has("STARTTLS");
    }

    public boolean eightBitMime() {
        return has("8BITMIME");
    }

    public boolean smtpUtf8() {
        return has("SMTPUTF8");
    }

    /** RFC 8689: the server takes REQUIRETLS (meaningful only after STARTTLS). */
    public boolean requireTls() {
        return has("REQUIRETLS");
    }

    public boolean enhancedStatusCodes() {
        return has("ENHANCEDSTATUSCODES");
    }

    /** Whether SIZE was announced (then the client may declare a size in MAIL FROM). */
    public boolean size() {
        return has("SIZE");
    }

    /** The SIZE limit in bytes: 0 when announced without a (valid) number or unlimited, -1 when SIZE was not announced. */
    public long sizeLimit() {
        String p = params("SIZE");
        if (p == null) {
            return -1;
        }
        int end = 0;
        while (end < p.length() && p.charAt(end) != ' ' && p.charAt(end) != '\t') {
            end++;
        }
        try { // the first word; not String.split, which compiled a regex for every message's MAIL
            return end == 0 ? 0 : Math.max(0, Long.parseLong(p, 0, end, 10));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Map<String, String> keywords() {
        return keywords;
    }

    @Override
    public String toString() {
        return String.join(" ", keywords.keySet());
    }
}
