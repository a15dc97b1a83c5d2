package warmwire.session.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    private final List<String> lines = new ArrayList<>();

    @Test
    void linesEndAtLfAndLoseTheirCr() {
        LineReader r = new LineReader(2048, lines::add);
        r.feed(Buffer.buffer("250-a\r\n250 b\n25"));
        r.feed(Buffer.buffer("0 c\r\n"));
        assertEquals(List.of("250-a", "250 b", "250 c"), lines);
        assertEquals(0, r.buffered());
    }

    @Test
    void aPartialLineIsBufferedAndCounted() {
        LineReader r = new LineReader(2048, lines::add);
        r.feed(Buffer.buffer("220 ready\r\n25"));
        assertEquals(List.of("220 ready"), lines);
        assertEquals(2, r.buffered());
    }

    @Test
    void whileAHandlerRunsTheRestOfTheBufferCounts() {
        int[] seen = new int[1];
        LineReader[] r = new LineReader[1];
        r[0] = new LineReader(2048, l -> {
            if (lines.isEmpty()) {
                seen[0] = r[0].buffered();
            }
            lines.add(l);
        });
        r[0].feed(Buffer.buffer("220 go ahead\r\n250 injected\r\n"));
        assertEquals("250 injected\r\n".length(), seen[0], "bytes behind the 220 are seen while it is handled");
    }

    @Test
    void aLineLongerThanTheLimitIsRefusedBeforeItIsKept() {
        LineReader r = new LineReader(600, lines::add);
        r.feed(Buffer.buffer("x".repeat(599)));
        SmtpProtocolException e = assertThrows(SmtpProtocolException.class, () -> r.feed(Buffer.buffer("yy")));
        assertTrue(e.getMessage().contains("600 bytes"));
        assertEquals(0, r.buffered(), "nothing kept after the error");
        r.feed(Buffer.buffer("250 later\r\n"));
        assertTrue(lines.isEmpty(), "a stopped reader hands out nothing");
    }

    @Test
    void theLimitCountsTheLineEnd() {
        LineReader r = new LineReader(600, lines::add);
        r.feed(Buffer.buffer("x".repeat(598) + "\r\n"));
        assertEquals(1, lines.size());
        assertThrows(SmtpProtocolException.class, () -> r.feed(Buffer.buffer("x".repeat(599) + "\r\n")));
    }
}
