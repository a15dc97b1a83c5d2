package warmwire.contracts.text;

import java.io.ByteArrayOutputStream;

/**
 * NAME
 *   LineEnds - a message with every line ended by CR LF, as SMTP carries it.
 * DESCRIPTION
 *   RFC 5321 sections 2.3.8 and 4.5.2: a bare LF or a bare CR becomes CR LF (a CR LF pair stays
 *   one line break), and a last line without an end is ended. tls-session's DotStuffer applies
 *   the same rule while it streams a body; {@link #crlf} gives the whole message in that form
 *   where it must be read or changed before it is sent: a DSN quotes it, a DKIM signature is
 *   made over it.
 */
public final class LineEnds {
    private LineEnds() {
    }

    /** {@code message} with CR LF line ends; {@code message} itself when it has them already. */
    public static byte[] crlf(byte[] message) {
        if (alreadyCrlf(message)) {
            return message;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 64);
        for (int i = 0; i < message.length; i++) {
            byte b = message[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < message.length && message[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        byte last = message[message.length - 1];
        if (last != '\n' && last != '\r') {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static boolean alreadyCrlf(byte[] m) {
        if (m.length == 0) {
            return true;
        }
        if (m[m.length - 1] != '\n') {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '\r') {
                if (i + 1 >= m.length || m[i + 1] != '\n') {
                    return false;
                }
                i++;
            } else if (m[i] == '\n') {
                return false;
            }
        }
        return true;
    }
}
