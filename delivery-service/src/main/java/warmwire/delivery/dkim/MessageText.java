package warmwire.delivery.dkim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import warmwire.contracts.text.LineEnds;

/**
 * NAME
 *   MessageText - a message as the SMTP client sends it: CR LF line ends, its header fields, the
 *   start of its body, the domain of its From.
 * DESCRIPTION
 *   {@link #crlf} applies the rule of tls-session's DotStuffer (RFC 5321 2.3.8; contracts'
 *   LineEnds): a bare LF or a bare CR becomes CR LF, and the last line is ended. A signature is made over this form and
 *   the message is stored in it, so the bytes on the wire are the bytes signed.
 *   {@link #parse} splits the header section into its fields (a field's folded lines stay in
 *   it) and finds where the body begins (after the first empty line; a message without one is
 *   all header and an empty body). Header bytes are read as ISO-8859-1, so 8-bit and UTF-8
 *   headers (RFC 6532) pass through unchanged.
 */
public final class MessageText {
    /** One raw header field, without its final CR LF, and its name in lower case. */
    public record Field(String name, String raw) {
    }

    private final byte[] bytes;
    private final List<Field> fields;
    private final int bodyStart;

    private MessageText(byte[] bytes, List<Field> fields, int bodyStart) {
        this.bytes = bytes;
        this.fields = fields;
        this.bodyStart = bodyStart;
    }

    /** {@code message} with every line ended by CR LF (contracts' {@link LineEnds}). */
    public static byte[] crlf(byte[] message) {
        return LineEnds.crlf(message);
    }

    /** The header fields and body of {@code crlfMessage} (a result of {@link #crlf}). */
    public static MessageText parse(byte[] crlfMessage) {
        List<Field> fields = new ArrayList<>();
        int i = 0;
        int n = crlfMessage.length;
        StringBuilder current = null;
        while (i < n) {
            int end = i;
            while (end + 1 < n && !(crlfMessage[end] == '\r' && crlfMessage[end + 1] == '\n')) {
                end++;
            }
            if (end + 1 >= n) { // no CR LF left: cannot happen after crlf(); treat the rest as one line
                end = n;
            }
            if (end == i) { // the empty line: the body follows
                i = Math.min(n, end + 2);
                break;
            }
            String line = new String(crlfMessage, i, end - i, StandardCharsets.ISO_8859_1);
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append("\r\n").append(line);
            } else {
                if (current != null) {
                    fields.add(field(current.toString()));
                }
                current = new StringBuilder(line);
            }
            i = Math.min(n, end + 2);
        }
        if (current != null) {
            fields.add(field(current.toString()));
        }
        return new MessageText(crlfMessage, List.copyOf(fields), i);
    }

    private static Field field(String raw) {
        int colon = raw.indexOf(':');
        String name = colon < 0 ? raw : raw.substring(0, colon);
        return new Field(name.strip().toLowerCase(Locale.ROOT), raw);
    }

    public byte[] bytes() {
        return bytes;
    }

    public List<Field> fields() {
        return fields;
    }

    /** Where the body begins in {@link #bytes()}. */
    public int bodyStart() {
        return bodyStart;
    }

    /** The domain of the first address of the first From field, lower case; null if none. */
    public String fromDomain() {
        for (Field f : fields) {
            if (f.name().equals("from")) {
                return domainOf(f.raw().substring(f.raw().indexOf(':') + 1));
            }
        }
        return null;
    }

    /**
     * The domain of the first mailbox of an address list (RFC 5322 3.4): the addr-spec in angle
     * brackets if there is one, else the first word with an '@'; quoted strings (display
     * names) and comments are dropped first.
     */
    static String domainOf(String value) {
        // quoted strings first (a display name may hold '<', '>', '@' and parentheses), then comments
        String v = value.replace("\r\n", "").replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")
                .replaceAll("\\([^()]*\\)", " ");
        String addr = null;
        int lt = v.indexOf('<');
        int gt = lt < 0 ? -1 : v.indexOf('>', lt);
        if (gt > lt && lt >= 0) {
            addr = v.substring(lt + 1, gt);
        } else {
            for (String w : v.split("[\\s,]+")) {
                if (w.indexOf('@') > 0) {
                    addr = w;
                    break;
                }
            }
        }
        if (addr == null) {
            return null;
        }
        int at = addr.lastIndexOf('@');
        if (at < 0 || at == addr.length() - 1) {
            return null;
        }
        String d = addr.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.isEmpty() || d.chars().anyMatch(Character::isWhitespace) ? null : d;
    }
}
