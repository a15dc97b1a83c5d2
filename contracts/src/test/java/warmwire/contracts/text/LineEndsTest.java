package warmwire.contracts.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineEndsTest {
    private static String crlf(String s) {
        return new String(LineEnds.crlf(s.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void bareLineEndsBecomeCrLfAndTheLastLineIsEnded() {
        assertEquals("a\r\nb\r\nc\r\n\r\nd\r\n", crlf("a\nb\rc\r\n\nd"));
        assertEquals("a\r\n", crlf("a\r"));
        assertEquals("", crlf(""));
    }

    @Test
    void aMessageWithCrLfAlreadyIsReturnedAsItIs() {
        byte[] m = "a\r\nb\r\n".getBytes(StandardCharsets.US_ASCII);
        assertSame(m, LineEnds.crlf(m));
    }
}
