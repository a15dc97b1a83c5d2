package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Malformed records are never delivered and never dropped: DLQ with a reason, and a rejected event. */
class MalformedSubmissionIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void notJsonGoesToDlqWithReason() throws Exception {
        String key = "garbage-" + UUID.randomUUID();
        String value = "this is {not json " + key;
        mesh.submit(key, value);
        Events.DeadLetter d = mesh.events.awaitDeadLetter(x -> value.equals(x.value()), Duration.ofSeconds(60));
        assertEquals(key, d.key());
        assertTrue(d.reason().startsWith("malformed JSON"), d.reason());
        // the rejected event carries an assigned id, so find it by reason and absence of recipient
        List<JsonNode> rejected = mesh.events.awaitEvents(e -> "rejected".equals(e.path("status").asText())
                && e.path("reason").asText().equals(d.reason()), 1, Duration.ofSeconds(30));
        assertTrue(rejected.get(0).path("id").asText().length() > 3);
    }

    @Test
    void aValueThatIsNotUtf8GoesToDlqByteForByteNotReadWithReplacements() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "ok@tls.test");
        // the same submission as a client writing Latin-1 would send it: one byte that UTF-8 never has
        String latin = mail.json().replace("\"from\"", "\"campaign\":\"gr\u00fc\u00dfe\",\"from\"");
        byte[] value = latin.getBytes(StandardCharsets.ISO_8859_1);
        String key = "latin1-" + UUID.randomUUID();
        mesh.submitBytes(key, value);
        Events.DeadLetter d = mesh.events.awaitDeadLetter(x -> key.equals(x.key()), Duration.ofSeconds(60));
        assertArrayEquals(value, d.bytes(), "the DLQ holds the client's bytes, not a re-encoding");
        assertTrue(d.reason().startsWith("record is not UTF-8 text: malformed byte sequence at offset "), d.reason());
        List<JsonNode> rejected = mesh.events.awaitEvents(e -> "rejected".equals(e.path("status").asText())
                && e.path("reason").asText().equals(d.reason()), 1, Duration.ofSeconds(30));
        assertTrue(rejected.get(0).path("id").asText().length() > 3);
        Thread.sleep(1000);
        assertTrue(!mesh.peerLog().contains(mail.messageId), "a submission that is not UTF-8 reached the receiver");
    }

    @Test
    void invalidRecipientIsRejectedPerRecipient() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "ok@tls.test", "not an address");
        mesh.submit(mail.id, mail.json());
        List<JsonNode> events = mesh.events.awaitEvents(mail.id, 2, Duration.ofSeconds(60));
        for (JsonNode e : events) {
            assertEquals("rejected", e.path("status").asText(), e.toString());
            assertTrue(e.path("reason").asText().startsWith("invalid recipient <not an address>"), e.toString());
        }
        Events.DeadLetter d = mesh.events.awaitDeadLetter(x -> mail.id.equals(x.key()), Duration.ofSeconds(30));
        assertEquals(mail.json(), d.value());
        // never delivered: the valid recipient must not reach the receiver
        Thread.sleep(1000);
        assertTrue(!mesh.peerLog().contains(mail.messageId), "a rejected submission reached the receiver");
    }
}
