package warmwire.delivery.dispatch;

import java.nio.charset.StandardCharsets;

/**
 * NAME
 *   TlsRequiredHeader - does a message carry "TLS-Required: No" (RFC 8689 section 5)?
 * DESCRIPTION
 *   Reads the header section only (up to the first empty line, at most {@link #MAX_HEADER}
 *   bytes), field names without regard to case, a folded value unfolded. The sender asks with
 *   it that the receiving domains' TLS policies (MTA-STS, DANE) be ignored; the operator's own
 *   level still applies. A message with REQUIRETLS ignores the field (the caller's rule).
 *   Every routed message passes here: the scan looks at line starts in place and allocates
 *   nothing unless the field is there.
 */
final class TlsRequiredHeader {
    /** The header section read: a message's headers beyond this are not looked at. */
    static final int MAX_HEADER = 64 * 1024;
    private static final byte[] NAME = "tls-required:".getBytes(StandardCharsets.US_ASCII);

    private TlsRequiredHeader() {
    }

    static boolean saysNo(byte[] message) {
        if (message == null) {
            return false;
        }
        int end = Math.min(message.length, MAX_HEADER);
        int line = 0;
        while (line < end) {
            if (message[line] == '\r' || message[line] == '\n') {
                return false; // the empty line: the body begins
            }
            if (startsWithName(message, line, end)) {
                return valueIsNo(message, line + NAME.length, end);
            }
            int nl = line;
            while (nl < end && message[nl] != '\n') {
                nl++;
            }
            line = nl + 1;
        }
        return false;
    }

    private static boolean startsWithName(byte[] m, int at, int end) {
        if (at + NAME.length > end) {
            return false;
        }
        for (int i = 0; i < NAME.length; i++) {
            int c = m[at + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != NAME[i]) {
                return false;
            }
        }
        return true;
    }

    /** The field's value (folded lines joined) is "No", blanks aside. */
    private static boolean valueIsNo(byte[] m, int from, int end) {
        StringBuilder v = new StringBuilder();
        int i = from;
        while (i < end && v.length() < 64) {
            byte c = m[i];
            if (c == '\r' || c == '\n') {
                int next = c == '\r' && i + 1 < end && m[i + 1] == '\n' ? i + 2 : i + 1;
                if (next < end && (m[next] == ' ' || m[next] == '\t')) {
                    i = next; // a folded line goes on
                    continue;
                }
                break;
            }
            v.append((char) (c & 0xff));
            i++;
        }
        return v.toString().strip().equalsIgnoreCase("No");
    }
}
