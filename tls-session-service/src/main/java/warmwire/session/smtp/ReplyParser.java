package warmwire.session.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NAME
 *   ReplyParser - assembles reply lines into {@link Reply} objects.
 * SYNOPSIS
 *   {@code Reply r = parser.feed(line); // null until the last line of a reply}
 * DESCRIPTION
 *   RFC 5321 section 4.2: each line is three digits, then '-' (more lines follow), ' ' or the
 *   end of the line (last line), then text. All lines of one reply carry the same code. The
 *   first digit must be 2 to 5 and the second 0 to 5. An RFC 3463 enhanced status code
 *   ({@code class.subject.detail}) at the start of a line's text is recognised when its class
 *   equals the reply's first digit, and removed from the text.
 *   A reply of more than {@code maxLines} lines or {@code maxBytes} bytes of text is a
 *   hostile or broken server ({@link ReplyLimits}).
 *   Anything else is a protocol error ({@link SmtpProtocolException}); the caller must then
 *   abandon the connection, since the reply stream can no longer be trusted.
 *   Lines are given without their CR LF.
 */
public final class ReplyParser {
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:[ \\t]+|$)");

    private final int maxLines;
    private final int maxBytes;
    private final List<String> lines = new ArrayList<>();
    private int code = -1;
    private int bytes;
    private String enhanced;

    public ReplyParser() {
        this(ReplyLimits.DEFAULT);
    }

    public ReplyParser(ReplyLimits limits) {
        this.maxLines = limits.maxReplyLines();
        this.maxBytes = limits.maxReplyBytes();
    }

    /** Feeds one line; returns the reply when this line ends it, else null. */
    public Reply feed(String line) {
        if (line.length() < 3 || !digit(line.charAt(0), '2', '5') || !digit(line.charAt(1), '0', '5')
                || !digit(line.charAt(2), '0', '9')) {
            throw new SmtpProtocolException("malformed reply line: " + printable(line));
        }
        boolean last;
        if (line.length() == 3 || line.charAt(3) == ' ') {
            last = true;
        } else if (line.charAt(3) == '-') {
            last = false;
        } else {
            throw new SmtpProtocolException("malformed reply line: " + printable(line));
        }
        int c = Integer.parseInt(line.substring(0, 3));
        if (code >= 0 && c != code) {
            throw new SmtpProtocolException("reply code changed within a multi-line reply: " + code + " then "
                    + printable(line));
        }
        if (lines.size() >= maxLines) {
            throw new SmtpProtocolException("reply longer than " + maxLines + " lines");
        }
        bytes += line.length() + 2;
        if (bytes > maxBytes) {
            throw new SmtpProtocolException("reply longer than " + maxBytes + " bytes");
        }
        code = c;
        String text = line.length() > 4 ? line.substring(4) : "";
        Matcher m = ENHANCED.matcher(text);
        if (m.find() && m.group(1).charAt(0) - '0' == c / 100) {
            if (lines.isEmpty()) {
                enhanced = m.group(1) + "." + m.group(2) + "." + m.group(3);
            }
            text = text.substring(m.end());
        }
        lines.add(text);
        if (!last) {
            return null;
        }
        Reply r = new Reply(code, enhanced, lines);
        lines.clear();
        code = -1;
        bytes = 0;
        enhanced = null;
        return r;
    }

    /** Whether some lines of a reply have been read but not its last line. */
    public boolean partial() {
        return !lines.isEmpty();
    }

    /** Parses a complete reply given as lines (tests, and replies read as a whole). */
    public static Reply parse(List<String> lines) {
        ReplyParser p = new ReplyParser();
        for (int i = 0; i < lines.size(); i++) {
            Reply r = p.feed(lines.get(i));
            if (r != null) {
                if (i != lines.size() - 1) {
                    throw new SmtpProtocolException("data after the last line of a reply");
                }
                return r;
            }
        }
        throw new SmtpProtocolException("reply ended without a last line");
    }

    private static boolean digit(char c, char lo, char hi) {
        return c >= lo && c <= hi;
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 100) {
            b.append("...");
        }
        return b.toString();
    }
}
