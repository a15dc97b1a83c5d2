package warmwire.delivery.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;

class SubmissionValidatorTest {
    private final SubmissionValidator v = new SubmissionValidator(new ObjectMapper().registerModule(new JavaTimeModule()),
            1000, 5, TlsLevel.MAY);
    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

    private QueuedMessage accepted(String json) {
        Verdict verdict = v.judge(json, "assigned", NOW);
        return assertInstanceOf(Verdict.Accepted.class, verdict, () -> verdict.toString()).message();
    }

    private Verdict.Rejected rejected(String json) {
        Verdict verdict = v.judge(json, "assigned", NOW);
        return assertInstanceOf(Verdict.Rejected.class, verdict, () -> verdict.toString());
    }

    @Test
    void acceptsTextContentAndEncodesIt() {
        QueuedMessage m = accepted("""
                {"id":"m1","from":"bounces@sender.example","to":["alice@example.com","bob@example.net"],
                 "content":"Subject: hi\\r\\n\\r\\nbody\\r\\n","tenant":"t","campaign":"c",
                 "dsn":{"notify":["FAILURE","DELAY"],"ret":"HDRS","envid":"e1"}}""");
        assertEquals("m1", m.id());
        assertEquals(List.of("alice@example.com", "bob@example.net"), m.recipients());
        assertEquals("Subject: hi\r\n\r\nbody\r\n",
                new String(m.content(), StandardCharsets.UTF_8));
        assertEquals(TlsLevel.MAY, m.tls());
        assertEquals(1, m.attempt());
        assertEquals(NOW, m.submittedAt());
        assertEquals(List.of("FAILURE", "DELAY"), m.dsn().notifyOn());
    }

    @Test
    void idAndEnvidArePrintableAsciiWithoutSpace() {
        String rest = ",\"from\":\"a@b.example\",\"to\":[\"c@d.example\"],\"content\":\"x\"";
        assertEquals("!~x", accepted("{\"id\":\"!~x\"" + rest + "}").id(), "0x21 and 0x7e are allowed");
        for (String id : List.of("a b", "a\\tb", "gr\u00fc\u00df", "a\\u007fb", "")) {
            assertTrue(rejected("{\"id\":\"" + id + "\"" + rest + "}").reason().startsWith("id must be"), id);
        }
        assertEquals("", accepted("{\"id\":\"e\"" + rest + ",\"dsn\":{\"envid\":\"\"}}").dsn().envid(),
                "an empty envid is allowed");
        for (String envid : List.of("a b", "\u00e9")) {
            assertTrue(rejected("{\"id\":\"e\"" + rest + ",\"dsn\":{\"envid\":\"" + envid + "\"}}").reason()
                    .startsWith("dsn.envid must be"), envid);
        }
    }

    @Test
    void nullSenderBase64AndAssignedId() {
        byte[] binary = {0, (byte) 0xff, 'a', '\n'};
        QueuedMessage m = accepted("{\"from\":\"\",\"to\":[\"a@b.example\"],\"contentBase64\":\""
                + Base64.getEncoder().encodeToString(binary) + "\"}");
        assertEquals("", m.from());
        assertEquals("assigned", m.id());
        org.junit.jupiter.api.Assertions.assertArrayEquals(binary, m.content());
    }

    @Test
    void aValueThatIsNotUtf8IsRejectedNamingTheByteNotReadWithReplacements() {
        byte[] ok = "{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"gr\u00fc\u00df \ud83d\udce8\"}"
                .getBytes(StandardCharsets.UTF_8);
        QueuedMessage m = assertInstanceOf(Verdict.Accepted.class, v.judge(ok, "assigned", NOW)).message();
        assertEquals("gr\u00fc\u00df \ud83d\udce8", new String(m.content(), StandardCharsets.UTF_8));

        String prefix = "{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"gr";
        int at = prefix.length();
        byte[][] bad = {
                {(byte) 0xfc}, // Latin-1 u-umlaut, not UTF-8
                {(byte) 0xc3}, // a two-byte sequence cut short (the quote follows)
                {(byte) 0xc0, (byte) 0xaf}, // overlong '/'
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // an encoded surrogate (CESU-8)
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        };
        for (byte[] b : bad) {
            byte[] value = new byte[at + b.length + 3];
            System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, value, 0, at);
            System.arraycopy(b, 0, value, at, b.length);
            System.arraycopy("\"}".getBytes(StandardCharsets.US_ASCII), 0, value, at + b.length, 2);
            value[value.length - 1] = ' ';
            Verdict.Rejected r = assertInstanceOf(Verdict.Rejected.class, v.judge(value, "assigned", NOW));
            assertEquals("record is not UTF-8 text: malformed byte sequence at offset " + at + " (RFC 8259 section 8.1)",
                    r.reason());
            assertEquals("assigned", r.id());
        }
        byte[] cut = {'{', '"', (byte) 0xe2, (byte) 0x82};
        assertEquals(2, SubmissionValidator.malformedUtf8At(cut), "a sequence cut by the end of the value");
        assertEquals(-1, SubmissionValidator.malformedUtf8At("x".repeat(20_000).getBytes(StandardCharsets.UTF_8)),
                "longer than the scratch buffer");
        assertEquals("empty record: a JSON object is required",
                assertInstanceOf(Verdict.Rejected.class, v.judge(" \r\n\t".getBytes(StandardCharsets.UTF_8), "a", NOW)).reason());
    }

    @Test
    void tlsIsRaisedToTheFloorNeverLowered() {
        SubmissionValidator strict = new SubmissionValidator(new ObjectMapper(), 1000, 5, TlsLevel.ENCRYPT);
        Verdict verdict = strict.judge("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"tls\":\"none\"}", "i", NOW);
        assertEquals(TlsLevel.ENCRYPT, ((Verdict.Accepted) verdict).message().tls());
        assertEquals(TlsLevel.VERIFY,
                accepted("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"tls\":\"verify\"}").tls());
    }

    @Test
    void foldsDuplicateRecipients() {
        assertEquals(List.of("a@example.com", "A@example.com"),
                accepted("{\"from\":\"\",\"to\":[\"a@example.com\",\"a@EXAMPLE.com\",\"A@example.com\"],\"content\":\"x\"}")
                        .recipients());
    }

    @Test
    void rejectsWithReasons() {
        assertTrue(rejected("not json").reason().startsWith("malformed JSON"));
        assertTrue(rejected("").reason().startsWith("empty record"));
        assertTrue(rejected("[1,2]").reason().startsWith("malformed"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"bcc\":1}").reason()
                .contains("unknown field 'bcc'"));
        assertTrue(rejected("{\"to\":[\"d@e.f\"],\"content\":\"x\"}").reason().startsWith("missing 'from'"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[],\"content\":\"x\"}").reason().startsWith("no recipients"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"content\":\"x\"}").reason().startsWith("no recipients"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":\"d@e.f\",\"content\":\"x\"}").reason().startsWith("malformed"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"],\"content\":\"x\"}").reason()
                .startsWith("too many recipients"));
        assertTrue(rejected("{\"from\":\"bad sender@x\",\"to\":[\"d@e.f\"],\"content\":\"x\"}").reason()
                .startsWith("invalid sender"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\",\"nope\"],\"content\":\"x\"}").reason()
                .startsWith("invalid recipient <nope>"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"]}").reason().startsWith("exactly one of"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"contentBase64\":\"eA==\"}")
                .reason().startsWith("exactly one of"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"contentBase64\":\"@@@\"}").reason()
                .contains("not valid base64"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"" + "x".repeat(1001) + "\"}")
                .reason().contains("exceeds the limit of 1000 bytes"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"tls\":\"paranoid\"}").reason()
                .contains("unknown TLS level"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"dsn\":{\"notify\":[\"NEVER\",\"DELAY\"]}}")
                .reason().startsWith("dsn.notify"));
        assertTrue(rejected("{\"from\":\"a@b.c\",\"to\":[\"d@e.f\"],\"content\":\"x\",\"id\":\"has space\"}").reason()
                .startsWith("id must be"));
    }

    @Test
    void rejectionKeepsReadableIdAndRecipients() {
        Verdict.Rejected r = rejected("{\"id\":\"c-7\",\"from\":\"a@b.c\",\"to\":[\"ok@e.f\",\"bad\"],\"content\":\"x\"}");
        assertEquals("c-7", r.id());
        assertEquals(List.of("ok@e.f", "bad"), r.recipients());
        Verdict.Rejected unknownField = rejected("{\"id\":\"c-8\",\"to\":[\"x@y.z\"],\"oops\":true}");
        assertEquals("c-8", unknownField.id());
        assertEquals(List.of("x@y.z"), unknownField.recipients());
        assertEquals("assigned", rejected("{{{").id());
    }
}
