package warmwire.session.smtp;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * NAME
 *   LineReader - splits what a server sends into reply lines, bounded.
 * SYNOPSIS
 *   {@code reader.feed(buffer); // calls the line handler once per complete line}
 * DESCRIPTION
 *   A line ends at LF; a CR before it is removed. A line longer than {@code maxLineLength}
 *   bytes (its end included) is a protocol error ({@link SmtpProtocolException}), thrown from
 *   {@link #feed} before more than that is kept. {@link #buffered()} tells how many bytes were
 *   received and not yet handed out as lines: a partial line, and, while the handler runs, the
 *   rest of the buffer being split. The SMTP session uses it to refuse a STARTTLS whose 220
 *   arrived with anything behind it (RFC 3207 section 6), and to never reuse a connection with
 *   input left. After {@link #stop()} nothing more is handed out.
 *   Bytes are decoded as UTF-8 (malformed sequences become U+FFFD): replies are ASCII or, from
 *   SMTPUTF8 servers, UTF-8.
 */
final class LineReader {
    private final int maxLineLength;
    private final Consumer<String> onLine;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private Buffer current;
    private int pos;
    private boolean stopped;

    LineReader(int maxLineLength, Consumer<String> onLine) {
        this.maxLineLength = maxLineLength;
        this.onLine = onLine;
    }

    void feed(Buffer b) {
        if (stopped) {
            return;
        }
        current = b;
        pos = 0;
        try {
            int len = b.length();
            while (!stopped && pos < len) {
                int nl = indexOf(b, (byte) '\n', pos, len);
                if (nl < 0) {
                    if (partial.size() + (len - pos) > maxLineLength) {
                        throw tooLong();
                    }
                    partial.write(b.getBytes(pos, len), 0, len - pos);
                    pos = len;
                    break;
                }
                int n = nl + 1 - pos;
                if (partial.size() + n > maxLineLength) {
                    throw tooLong();
                }
                byte[] line;
                if (partial.size() == 0) {
                    line = b.getBytes(pos, nl + 1);
                } else {
                    partial.write(b.getBytes(pos, nl + 1), 0, n);
                    line = partial.toByteArray();
                    partial.reset();
                }
                pos = nl + 1;
                int end = line.length - 1; // the LF
                if (end > 0 && line[end - 1] == '\r') {
                    end--;
                }
                onLine.accept(new String(line, 0, end, StandardCharsets.UTF_8));
            }
        } finally {
            current = null;
            pos = 0;
        }
    }

    /** Bytes received and not handed out as lines yet. */
    int buffered() {
        return partial.size() + (current == null ? 0 : current.length() - pos);
    }

    void stop() {
        stopped = true;
        partial.reset();
    }

    private SmtpProtocolException tooLong() {
        stop();
        return new SmtpProtocolException("reply line longer than " + maxLineLength + " bytes");
    }

    private static int indexOf(Buffer b, byte x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.getByte(i) == x) {
                return i;
            }
        }
        return -1;
    }
}
