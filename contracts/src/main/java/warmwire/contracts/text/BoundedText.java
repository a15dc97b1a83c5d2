package warmwire.contracts.text;

/**
 * NAME
 *   BoundedText - text from remote servers and clients, cut to a size before it is kept.
 * DESCRIPTION
 *   Reply text, reasons and ids that outcomes, events, log lines and DSNs carry come from
 *   parties that may be hostile. {@link #truncate} cuts such a text to at most {@code max}
 *   characters, marking the cut with {@link #MARK} (the result, mark included, is never longer
 *   than {@code max}); a cut never splits a surrogate pair. {@link #escape} makes a text safe for
 *   one log line: control characters (CR, LF, TAB, ESC, DEL, C1) become {@code \r}, {@code \n},
 *   {@code \t} or {@code \xHH}, and a backslash becomes {@code \\}, so a remote party can neither
 *   forge a line nor colour a terminal.
 */
public final class BoundedText {
    /** Most characters of reply text kept in an outcome, event, log line or DSN (about 1 KiB). */
    public static final int MAX_REPLY_TEXT = 1024;
    /** Most characters of a reason (Warmwire's explanation, which may quote a reply). */
    public static final int MAX_REASON = 1024;
    /** Appended where text was cut. */
    public static final String MARK = "...[truncated]";

    private BoundedText() {
    }

    /** {@code s} when it has at most {@code max} characters, else its start and {@link #MARK}, {@code max} in all. */
    public static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        if (max <= MARK.length()) {
            throw new IllegalArgumentException("max " + max + " leaves no room for the mark");
        }
        int keep = max - MARK.length();
        if (Character.isHighSurrogate(s.charAt(keep - 1))) {
            keep--;
        }
        return s.substring(0, keep) + MARK;
    }

    /** Whether {@link #truncate} cut this text. */
    public static boolean truncated(String s) {
        return s != null && s.endsWith(MARK);
    }

    /** {@code s} with control characters and backslashes escaped, for a log line; null stays null. */
    public static String escape(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !special(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (special(c)) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    private static boolean special(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\' || c == '\u2028' || c == '\u2029';
    }
}
