package warmwire.session.smtp;

import java.util.List;

/**
 * NAME
 *   Reply - one complete (possibly multi-line) SMTP server reply.
 * DESCRIPTION
 *   {@code lines} hold the text of each line after the code and separator, with the RFC 3463
 *   enhanced status code removed when the line carried one; {@code enhanced} is the first
 *   line's enhanced code or null. Replies are made by {@link ReplyParser}.
 */
public record Reply(int code, String enhanced, List<String> lines) {

    public Reply {
        lines = List.copyOf(lines);
    }

    /** 2xx. */
    public boolean positive() {
        return code / 100 == 2;
    }

    /** 3xx: more input expected (354 to DATA). */
    public boolean intermediate() {
        return code / 100 == 3;
    }

    /** 4xx. */
    public boolean transientFailure() {
        return code / 100 == 4;
    }

    /** 5xx. */
    public boolean permanentFailure() {
        return code / 100 == 5;
    }

    /** About the bytes this reply took on the wire: its text plus code, separator, enhanced code and CR LF per line. */
    public int size() {
        int n = 0;
        for (String l : lines) {
            n += l.length() + 12;
        }
        return n;
    }

    /** The lines joined with a space, enhanced codes removed. */
    public String text() {
        return String.join(" ", lines).trim();
    }

    /** {@code 250 2.0.0 Ok}: the reply as Postfix quotes it. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(code);
        if (enhanced != null) {
            b.append(' ').append(enhanced);
        }
        String t = text();
        if (!t.isEmpty()) {
            b.append(' ').append(t);
        }
        return b.toString();
    }
}
