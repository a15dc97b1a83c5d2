package warmwire.session.smtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DotStufferTest {

    private static String enc(String s) {
        return new String(DotStuffer.encode(s.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void crlfBodyEndsWithTerminator() {
        assertEquals("Subject: x\r\n\r\nhi\r\n.\r\n", enc("Subject: x\r\n\r\nhi\r\n"));
    }

    @Test
    void missingFinalLineBreakIsAdded() {
        assertEquals("hi\r\n.\r\n", enc("hi"));
        assertEquals(".\r\n", enc(""));
    }

    @Test
    void bareLfAndBareCrBecomeCrlf() {
        assertEquals("a\r\nb\r\nc\r\n\r\nd\r\n.\r\n", enc("a\nb\rc\n\rd"));
        assertEquals("a\r\n\r\n.\r\n", enc("a\r\r\n"));
        assertEquals("a\r\n.\r\n", enc("a\r"));
    }

    @Test
    void leadingDotsAreDoubled() {
        assertEquals("..\r\n..hidden\r\nmid.dle\r\n...\r\n.\r\n", enc(".\r\n.hidden\nmid.dle\r..\r\n"));
        assertEquals("..x\r\n.\r\n", enc(".x"));
    }

    @Test
    void eightBitBytesPassUnchanged() {
        byte[] in = {(byte) 0xc3, (byte) 0xa9, '\n', (byte) 0xff};
        byte[] expected = {(byte) 0xc3, (byte) 0xa9, '\r', '\n', (byte) 0xff, '\r', '\n', '.', '\r', '\n'};
        assertArrayEquals(expected, DotStuffer.encode(in));
    }

    @Test
    void chunkBoundariesDoNotMatter() {
        Random rnd = new Random(42);
        byte[] alphabet = {'a', '.', '\r', '\n', 'z', (byte) 0xe9};
        for (int round = 0; round < 200; round++) {
            byte[] body = new byte[rnd.nextInt(300)];
            for (int i = 0; i < body.length; i++) {
                body[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            byte[] whole = DotStuffer.encode(body);
            assertArrayEquals(whole, inChunks(body, rnd, 7), "round " + round);
            assertWellFormed(whole);
        }
    }

    /** Every CR is followed by LF, every LF preceded by CR, no line starts with a single dot but the last. */
    private static void assertWellFormed(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r') {
                assertEquals('\n', b[i + 1], s);
            }
            if (b[i] == '\n') {
                assertEquals('\r', b[i - 1], s);
            }
        }
        assertEquals(true, s.endsWith("\r\n.\r\n") || s.equals(".\r\n"), s);
        String[] lines = s.substring(0, s.length() - 3).split("\r\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].startsWith(".")) {
                assertEquals(true, lines[i].startsWith(".."), "unstuffed line " + i + " in " + s);
            }
        }
    }

    /** RFC 5321's rules byte by byte, the plainest way: the oracle for the encoder's runs. */
    private static byte[] reference(byte[] body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < body.length; i++) {
            byte b = body[i];
            if (b == '\r' || b == '\n') {
                if (b == '\r' && i + 1 < body.length && body[i + 1] == '\n') {
                    i++;
                }
                out.write('\r');
                out.write('\n');
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = false;
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write('.');
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    @Test
    void theEncoderAgreesWithTheRulesWhateverTheBytesAndTheChunks() {
        Random rnd = new Random(7);
        byte[] alphabet = {'a', '.', '\r', '\n', 'z', (byte) 0xe9};
        for (int round = 0; round < 2000; round++) {
            byte[] body = new byte[rnd.nextInt(200)];
            for (int i = 0; i < body.length; i++) {
                body[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            assertArrayEquals(reference(body), inChunks(body, rnd, 9), "round " + round);
        }
    }

    /** {@code body} encoded by one DotStuffer fed random chunks of 1 to {@code maxChunk} bytes, terminator included. */
    private static byte[] inChunks(byte[] body, Random rnd, int maxChunk) {
        DotStuffer s = new DotStuffer();
        Buffer out = Buffer.buffer();
        int pos = 0;
        while (pos < body.length) {
            int n = Math.min(1 + rnd.nextInt(maxChunk), body.length - pos);
            s.write(body, pos, n, out);
            pos += n;
        }
        s.finish(out);
        return out.getBytes();
    }
}
