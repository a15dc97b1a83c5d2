package warmwire.delivery.dispatch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8689 section 5: the header field, in the header section only. */
class TlsRequiredHeaderTest {
    private static boolean saysNo(String message) {
        return TlsRequiredHeader.saysNo(message.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void noInTheHeaderSectionAnyCaseFoldedOrNot() {
        assertTrue(saysNo("From: a@b.c\r\nTLS-Required: No\r\n\r\nbody\r\n"));
        assertTrue(saysNo("tls-required:no\nSubject: x\n\nbody\n"));
        assertTrue(saysNo("Subject: x\r\nTLS-Required:\r\n  No\r\n\r\n"));
    }

    @Test
    void otherValuesTheBodyAndNothingAreNotNo() {
        assertFalse(saysNo("Subject: x\r\n\r\nTLS-Required: No\r\n"), "in the body");
        assertFalse(saysNo("TLS-Required: Yes\r\n\r\n"));
        assertFalse(saysNo("X-TLS-Required: No\r\n\r\n"));
        assertFalse(saysNo("Subject: x\r\n\r\n"));
        assertFalse(TlsRequiredHeader.saysNo(null));
    }
}
