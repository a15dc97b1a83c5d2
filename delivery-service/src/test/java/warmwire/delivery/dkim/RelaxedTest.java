package warmwire.delivery.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RelaxedTest {

    /** RFC 6376 section 3.4.5, the example's header fields. */
    @Test
    void headerAsInTheRfcExample() {
        assertEquals("a:X\r\n", Relaxed.header("A: X"));
        assertEquals("b:Y Z\r\n", Relaxed.header("B : Y\t\r\n\tZ  "));
    }

    /** RFC 6376 section 3.4.5, the example's body: " C \r\nD \t E\r\n\r\n\r\n" becomes " C\r\nD E\r\n". */
    @Test
    void bodyAsInTheRfcExample() {
        assertEquals(" C\r\nD E\r\n", Relaxed.bodyText(" C \r\nD \t E\r\n\r\n\r\n"));
    }

    @Test
    void emptyLinesInsideStayAndAnUnendedLastLineIsEnded() {
        assertEquals("a\r\n\r\n\r\nb\r\n", Relaxed.bodyText("a\r\n\r\n \t\r\nb"));
    }

    @Test
    void anEmptyBodyIsEmpty() {
        assertEquals("", Relaxed.bodyText(""));
        assertEquals("", Relaxed.bodyText("\r\n\r\n  \r\n"));
    }

    @Test
    void lineEndsBecomeCrLfAndTheFromDomainIsFound() {
        byte[] m = MessageText.crlf("From: \"A, B\" <a@Example.COM.>\nSubject: x\r\n\ty\rTo: c@d\n\nbody".getBytes());
        assertEquals("From: \"A, B\" <a@Example.COM.>\r\nSubject: x\r\n\ty\r\nTo: c@d\r\n\r\nbody\r\n", new String(m));
        MessageText t = MessageText.parse(m);
        assertEquals("example.com", t.fromDomain());
        assertEquals(3, t.fields().size());
        assertEquals("Subject: x\r\n\ty", t.fields().get(1).raw());
        assertEquals("body\r\n", new String(m, t.bodyStart(), m.length - t.bodyStart()));
        assertEquals("b.example", MessageText.domainOf(" b@B.example (comment)"));
        assertEquals(null, MessageText.domainOf(" undisclosed-recipients:;"));
        assertEquals("acme.com", MessageText.domainOf(" \"ACME <support>\" <help@acme.com>"), "a display name with brackets");
        assertEquals("acme.com", MessageText.domainOf(" \"x <a@other.com>\" <ceo@acme.com>"), "an address inside a display name");
        assertEquals("acme.com", MessageText.domainOf(" \"a \\\" <b@c.d>\" <e@acme.com>"), "an escaped quote");
    }
}
