package warmwire.session.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {

    @Test
    void postfixEhloReply() {
        Reply ehlo = ReplyParser.parse(List.of("250-mx.example.com", "250-PIPELINING", "250-SIZE 10240000",
                "250-VRFY", "250-ETRN", "250-starttls", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
                "250-DSN", "250-SMTPUTF8", "250 CHUNKING"));
        Capabilities c = Capabilities.parse(ehlo);
        assertTrue(c.pipelining());
        assertTrue(c.starttls(), "keywords are case-insensitive");
        assertTrue(c.eightBitMime());
        assertTrue(c.smtpUtf8());
        assertTrue(c.enhancedStatusCodes());
        assertTrue(c.size());
        assertEquals(10240000L, c.sizeLimit());
        assertTrue(c.has("chunking"));
        assertFalse(c.has("mx.example.com"), "the greeting line is not a keyword");
    }

    @Test
    void sizeWithoutLimitAndAbsent() {
        Capabilities c = Capabilities.parse(List.of("x", "SIZE"));
        assertTrue(c.size());
        assertEquals(0, c.sizeLimit());
        assertEquals(35882577L, Capabilities.parse(List.of("x", "SIZE 35882577\tmore words")).sizeLimit(),
                "the first word is the limit");
        assertEquals(0, Capabilities.parse(List.of("x", "SIZE lots")).sizeLimit(), "not a number: no limit known");
        assertEquals(0, Capabilities.parse(List.of("x", "SIZE 99999999999999999999")).sizeLimit(), "too large: no limit known");
        Capabilities none = Capabilities.parse(List.of("only the greeting"));
        assertFalse(none.size());
        assertEquals(-1, none.sizeLimit());
        assertFalse(none.pipelining());
        assertFalse(none.starttls());
        assertFalse(Capabilities.NONE.starttls());
    }

    @Test
    void authWithEqualsSign() {
        Capabilities c = Capabilities.parse(List.of("x", "AUTH=PLAIN LOGIN", "AUTH PLAIN"));
        assertTrue(c.has("AUTH"));
        assertEquals("PLAIN LOGIN", c.params("AUTH"));
    }
}
