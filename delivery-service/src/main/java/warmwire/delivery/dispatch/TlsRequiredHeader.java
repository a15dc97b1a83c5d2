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
 */
final class TlsRequiredHeader {
    /** The header section read: a message's headers beyond this are not looked at. */
    static final int MAX_HEADER = 64 * 1024;

    private TlsRequiredHeader() {
    }

    static boolean saysNo(byte[] message) {
        if (message == null) {
            return false;
        }
        int end = Math.min(message.length, MAX_HEADER);
        String head = new String(message, 0, end, StandardCharsets.ISO_8859_1);
        int blank = blankLine(head);
        if (blank >= 0) {
            head = head.substring(0, blank);
        }
        String unfolded = head.replace("\r\n", "\n").replaceAll("\n[ \t]+", " ");
        for (String line : unfolded.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("TLS-Required")) {
                return line.substring(colon + 1).trim().equalsIgnoreCase("No");
            }
        }
        return false;
    }

    private static int blankLine(String s) {
        if (s.startsWith("\r\n") || s.startsWith("\n")) {
            return 0;
        }
        int a = s.indexOf("\n\n");
        int b = s.indexOf("\n\r\n");
        if (a < 0) {
            return b;
        }
        return b < 0 ? a : Math.min(a, b);
    }
}
