package warmwire.session.smtp;

import io.vertx.core.buffer.Buffer;

/**
 * NAME
 *   DotStuffer - encodes a message body for the SMTP DATA phase, chunk by chunk.
 * DESCRIPTION
 *   RFC 5321 sections 2.3.8 and 4.5.2: every line ends with CR LF, so a bare LF or a bare CR
 *   becomes CR LF (a CR LF pair stays one line break); a line that starts with '.' gets
 *   another '.' in front. {@link #finish} ends the last line if the body did not, and adds the
 *   terminator, so the stream always ends with CR LF '.' CR LF.
 *   The encoder keeps its state (start of line, pending CR) between chunks, so a body is
 *   encoded in bounded memory; runs of ordinary bytes are copied in bulk.
 *   An instance encodes one body. {@link #canonical} is the form BDAT carries (RFC 3030): the
 *   same line ends, no dot-stuffing and no terminator (the chunk's size ends it).
 */
public final class DotStuffer {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';
    private static final byte[] CRLF = {CR, LF};

    private final boolean stuffDots;
    private boolean lineStart = true;
    private boolean pendingCr;
    private boolean finished;

    /** An encoder for DATA: line ends made CR LF, leading dots doubled. */
    public DotStuffer() {
        this(true);
    }

    private DotStuffer(boolean stuffDots) {
        this.stuffDots = stuffDots;
    }

    /**
     * Encodes {@code len} bytes of {@code in} from {@code off}, appending to {@code out}. CR LF
     * pairs stay inside a run: a body with proper line ends and no leading dots is appended in
     * one copy (before, every line cost two appends).
     */
    public void write(byte[] in, int off, int len, Buffer out) {
        if (finished) {
            throw new IllegalStateException("body already finished");
        }
        int run = off;
        int end = off + len;
        int i = off;
        if (pendingCr && i < end) { // the last chunk ended with a CR not yet written
            pendingCr = false;
            out.appendBytes(CRLF);
            lineStart = true;
            if (in[i] == LF) {
                i++;
            }
            run = i;
        }
        while (i < end) {
            byte b = in[i];
            if (b == CR) {
                if (i + 1 == end) { // a CR at the chunk's end: the next chunk says whether LF follows
                    out.appendBytes(in, run, i - run);
                    pendingCr = true;
                    return;
                }
                if (in[i + 1] == LF) { // CR LF: part of the run
                    i += 2;
                } else { // a bare CR becomes CR LF
                    out.appendBytes(in, run, i - run);
                    out.appendBytes(CRLF);
                    i++;
                    run = i;
                }
                lineStart = true;
            } else if (b == LF) { // a bare LF becomes CR LF
                out.appendBytes(in, run, i - run);
                out.appendBytes(CRLF);
                i++;
                run = i;
                lineStart = true;
            } else {
                if (stuffDots && lineStart && b == DOT) {
                    out.appendBytes(in, run, i - run);
                    out.appendByte(DOT);
                    run = i;
                }
                lineStart = false;
                i++;
            }
        }
        out.appendBytes(in, run, end - run);
    }

    /** Ends the last line if needed and appends the terminating {@code .CRLF}. */
    public void finish(Buffer out) {
        if (finished) {
            throw new IllegalStateException("body already finished");
        }
        finished = true;
        if (pendingCr) {
            pendingCr = false;
            out.appendBytes(CRLF);
            lineStart = true;
        }
        if (!lineStart) {
            out.appendBytes(CRLF);
        }
        out.appendBytes(new byte[] {DOT, CR, LF});
    }

    /**
     * The body in canonical form for BDAT: every line ends with CR LF (the last one too), no
     * dot is doubled and no terminator follows. Appended to {@code out}.
     */
    public static void canonical(byte[] body, Buffer out) {
        DotStuffer s = new DotStuffer(false);
        s.write(body, 0, body.length, out);
        s.finished = true;
        if (s.pendingCr || !s.lineStart) {
            out.appendBytes(CRLF);
        }
    }

    /** Encodes a whole body at once, terminator included. */
    public static byte[] encode(byte[] body) {
        Buffer out = Buffer.buffer(body.length + body.length / 32 + 8);
        DotStuffer s = new DotStuffer();
        s.write(body, 0, body.length, out);
        s.finish(out);
        return out.getBytes();
    }
}
