package warmwire.session.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyParserTest {

    @Test
    void singleLineWithEnhancedCode() {
        Reply r = ReplyParser.parse(List.of("250 2.1.5 Ok"));
        assertEquals(250, r.code());
        assertEquals("2.1.5", r.enhanced());
        assertEquals("Ok", r.text());
        assertEquals("250 2.1.5 Ok", r.toString());
        assertTrue(r.positive());
    }

    @Test
    void multiLineAssembledAcrossFeeds() {
        ReplyParser p = new ReplyParser();
        assertNull(p.feed("250-mx.example.com Hello"));
        assertTrue(p.partial());
        assertNull(p.feed("250-PIPELINING"));
        Reply r = p.feed("250 STARTTLS");
        assertEquals(250, r.code());
        assertEquals(List.of("mx.example.com Hello", "PIPELINING", "STARTTLS"), r.lines());
        assertNull(r.enhanced());
        // the parser is ready for the next reply
        assertEquals(221, p.feed("221 Bye").code());
    }

    @Test
    void enhancedCodeRemovedFromEveryLine() {
        Reply r = ReplyParser.parse(List.of("550-5.1.1 The email account does not exist.",
                "550 5.1.1 Please check the address."));
        assertEquals("5.1.1", r.enhanced());
        assertEquals("The email account does not exist. Please check the address.", r.text());
        assertTrue(r.permanentFailure());
    }

    @Test
    void enhancedCodeOfAnotherClassIsText() {
        Reply r = ReplyParser.parse(List.of("451 2.0.0 odd server"));
        assertNull(r.enhanced());
        assertEquals("2.0.0 odd server", r.text());
        assertTrue(r.transientFailure());
    }

    @Test
    void bareCodeIsALastLine() {
        Reply r = ReplyParser.parse(List.of("354"));
        assertEquals(354, r.code());
        assertEquals("", r.text());
    }

    @Test
    void garbageIsAProtocolError() {
        for (String bad : List.of("", "hello", "25", "2500 x", "250_x", "650 nope", "180 nope", "2x0 x", "270 x")) {
            assertThrows(SmtpProtocolException.class, () -> new ReplyParser().feed(bad), bad);
        }
    }

    @Test
    void codeMustNotChangeWithinAReply() {
        ReplyParser p = new ReplyParser();
        p.feed("250-first");
        assertThrows(SmtpProtocolException.class, () -> p.feed("550 second"));
    }

    @Test
    void wholeReplyMustEnd() {
        assertThrows(SmtpProtocolException.class, () -> ReplyParser.parse(List.of("250-only continuation")));
        assertThrows(SmtpProtocolException.class, () -> ReplyParser.parse(List.of("250 done", "250 again")));
    }

    @Test
    void aReplyHasAtMostItsLimitOfLines() {
        ReplyParser p = new ReplyParser(ReplyLimits.DEFAULT);
        for (int i = 0; i < 99; i++) {
            assertNull(p.feed("250-line " + i));
        }
        assertEquals(100, p.feed("250 last").lines().size(), "100 lines are fine");
        for (int i = 0; i < 100; i++) {
            p.feed("250-line " + i);
        }
        SmtpProtocolException e = assertThrows(SmtpProtocolException.class, () -> p.feed("250 one too many"));
        assertTrue(e.getMessage().contains("100 lines"), e.getMessage());
    }

    @Test
    void aReplyHasAtMostItsLimitOfBytes() {
        ReplyParser p = new ReplyParser(new ReplyLimits(2048, 100, 4096, 8192));
        p.feed("250-" + "x".repeat(2000));
        SmtpProtocolException e = assertThrows(SmtpProtocolException.class, () -> p.feed("250-" + "x".repeat(2100)));
        assertTrue(e.getMessage().contains("4096 bytes"), e.getMessage());
    }

    @Test
    void theBytesCountPerReply() {
        ReplyParser p = new ReplyParser(new ReplyLimits(2048, 100, 4096, 8192));
        for (int i = 0; i < 10; i++) {
            assertEquals(250, p.feed("250 " + "y".repeat(2000)).code(), "each reply starts from zero");
        }
    }

    @Test
    void limitsBelowTheRfcMinimumAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReplyLimits(100, 100, 65536, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ReplyLimits(2048, 100, 65536, 1024));
    }
}
