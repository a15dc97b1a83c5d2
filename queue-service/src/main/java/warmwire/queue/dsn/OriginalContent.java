package warmwire.queue.dsn;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import warmwire.contracts.text.LineEnds;

/**
 * NAME
 *   OriginalContent - the original message as a DSN returns it.
 * DESCRIPTION
 *   The body decoded from base64 with its line ends normalised to CRLF exactly as the SMTP
 *   engine puts them on the wire (a bare CR or LF becomes CRLF), ending with CRLF.
 *   The header section is the run of leading lines that are header fields ({@code name:} with
 *   a name of printable ASCII) or their continuations, as Postfix's bounce(8) reads it; it ends
 *   at the empty line or at the first line that is neither.
 *   Facts kept for the choice of media type and Content-Transfer-Encoding: whether any byte is
 *   8-bit, whether the header section is 8-bit and valid UTF-8 (an RFC 6532 message: returned as
 *   message/global or message/global-headers), and whether a part is "clean": no NUL and no
 *   line over 998 octets, so that it can travel as 7bit/8bit (RFC 2045 section 2.7, 2.8).
 */
final class OriginalContent {
    final byte[] bytes;
    final int headerEnd;
    final boolean eightBit;
    final boolean headersEightBit;
    final boolean headersUtf8;
    final boolean clean;
    final boolean headersClean;

    private OriginalContent(byte[] bytes) {
        this.bytes = bytes;
        this.headerEnd = headerEnd(bytes);
        this.eightBit = eightBit(bytes, 0, bytes.length);
        this.headersEightBit = eightBit(bytes, 0, headerEnd);
        this.headersUtf8 = headersEightBit && utf8(bytes, headerEnd);
        this.clean = clean(bytes, 0, bytes.length);
        this.headersClean = clean(bytes, 0, headerEnd);
    }

    /** The original of a QueuedMessage's content; null when absent. */
    static OriginalContent of(byte[] content) {
        return content == null ? null : new OriginalContent(LineEnds.crlf(content));
    }

    /** Octets of the normalised message. */
    int size() {
        return bytes.length;
    }

    /** The header section (its lines, CRLF-terminated, without the empty line). */
    byte[] headers() {
        byte[] h = new byte[headerEnd];
        System.arraycopy(bytes, 0, h, 0, headerEnd);
        return h;
    }

    /** Offset just past the last header line's CRLF (0 when the message starts with no header). */
    static int headerEnd(byte[] b) {
        int pos = 0;
        boolean first = true;
        while (pos < b.length) {
            int eol = indexOfCrlf(b, pos);
            int end = eol < 0 ? b.length : eol;
            if (end == pos) {
                return pos; // the empty line ends the header section
            }
            boolean continuation = b[pos] == ' ' || b[pos] == '\t';
            if (!(continuation && !first) && !fieldLine(b, pos, end)) {
                return pos;
            }
            first = false;
            pos = eol < 0 ? b.length : eol + 2;
        }
        return pos;
    }

    private static boolean fieldLine(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            int c = b[i] & 0xff;
            if (c == ':') {
                return i > from;
            }
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return false;
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean eightBit(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean clean(byte[] b, int from, int to) {
        int line = 0;
        for (int i = from; i < to; i++) {
            if (b[i] == 0) {
                return false;
            }
            if (b[i] == '\r' && i + 1 < to && b[i + 1] == '\n') {
                line = 0;
                i++;
            } else if (++line > MailFormat.MAX_LINE) {
                return false;
            }
        }
        return true;
    }

    private static boolean utf8(byte[] b, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
