package warmwire.delivery.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * NAME
 *   Relaxed - the "relaxed" canonical forms of RFC 6376 section 3.4.2 (a header field) and
 *   3.4.4 (the body).
 * DESCRIPTION
 *   Pure functions over bytes whose lines end with CR LF ({@link MessageText#crlf} makes them so
 *   first, as the SMTP client sends them).
 *   Header field: the name in lower case; the field unfolded (CR LF before white space removed);
 *   every run of white space (SP, HTAB) one SP; white space at the end of the value and around
 *   the colon removed; then CR LF.
 *   Body: white space at the ends of lines removed, runs of it inside a line one SP; empty
 *   lines at the end removed; a body that is not empty ends with CR LF; an empty body is empty.
 */
public final class Relaxed {
    private Relaxed() {
    }

    /** {@code field} = one raw header field, its name, colon, value and folds, without the final CR LF. */
    public static String header(String field) {
        int colon = field.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not a header field: no colon");
        }
        String name = field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = field.substring(colon + 1).replace("\r\n", "");
        StringBuilder b = new StringBuilder(name.length() + value.length() + 3).append(name).append(':');
        boolean space = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t') {
                space = true;
            } else {
                if (space && b.length() > name.length() + 1) { // no white space right after the colon
                    b.append(' ');
                }
                space = false;
                b.append(c);
            }
        }
        return b.append("\r\n").toString();
    }

    /** The relaxed body of {@code message[from..]} (bytes with CR LF line ends). */
    public static byte[] body(byte[] message, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, message.length - from));
        int emptyLines = 0; // empty lines seen and not yet written: written only if text follows
        int i = from;
        while (i < message.length) {
            int end = i;
            while (end < message.length && !(message[end] == '\r' && end + 1 < message.length && message[end + 1] == '\n')) {
                end++;
            }
            // the line [i, end): runs of WSP become one SP, WSP at its end goes
            int last = end;
            while (last > i && (message[last - 1] == ' ' || message[last - 1] == '\t')) {
                last--;
            }
            if (last == i) {
                emptyLines++;
            } else {
                for (; emptyLines > 0; emptyLines--) {
                    out.write('\r');
                    out.write('\n');
                }
                boolean space = false;
                for (int k = i; k < last; k++) {
                    byte c = message[k];
                    if (c == ' ' || c == '\t') {
                        space = true;
                    } else {
                        if (space) {
                            out.write(' ');
                        }
                        space = false;
                        out.write(c);
                    }
                }
                out.write('\r');
                out.write('\n');
            }
            i = end + 2; // past CR LF (or past the end)
        }
        return out.toByteArray();
    }

    /** The relaxed form of a whole message's body as text (tests, diagnostics). */
    static String bodyText(String message) {
        byte[] m = message.getBytes(StandardCharsets.ISO_8859_1);
        return new String(body(m, 0), StandardCharsets.ISO_8859_1);
    }
}
