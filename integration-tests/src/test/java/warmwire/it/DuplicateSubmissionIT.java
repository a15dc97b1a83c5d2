package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   DuplicateSubmissionIT - a re-submitted record with the same id is delivered once.
 * DESCRIPTION
 *   Issue 4, "Duplicates". The same submission (same id, same content) is written to
 *   mail.submit twice, and a third time with the same id and another body. Expected: the
 *   recipient at the real Postfix peer gets one copy (its Message-ID once in the peer's log);
 *   mail.events has exactly one final event for it, delivered (a duplicate is not a
 *   rejection of the message that was delivered); both repeats land on mail.submit.dlq with
 *   a reason naming the duplicate id.
 */
class DuplicateSubmissionIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void sameIdTwiceIsDeliveredOnce() throws Exception {
        String rcpt = "dup-" + UUID.randomUUID() + "@tls.test";
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        mesh.submit(mail.id, mail.json());
        String otherBody = mail.json().replace("Hello from Warmwire.", "Hello again, same id.");
        mesh.submit(mail.id, otherBody);

        mesh.events.awaitEvents(Events.of(mail.id, rcpt).and(Events.status("delivered")), 1, Duration.ofSeconds(60));
        List<Events.DeadLetter> dlq = List.of(
                mesh.events.awaitDeadLetter(d -> mail.json().equals(d.value()), Duration.ofSeconds(30)),
                mesh.events.awaitDeadLetter(d -> otherBody.equals(d.value()), Duration.ofSeconds(30)));
        for (Events.DeadLetter d : dlq) {
            assertTrue(d.reason() != null && d.reason().startsWith("duplicate id " + mail.id), "reason: " + d.reason());
        }
        Thread.sleep(5000); // a second delivery would show by now
        List<JsonNode> events = mesh.events.seen(mail.id);
        assertEquals(1, events.stream().filter(Events::isFinal).count(), "one final event: " + events);
        assertEquals("delivered", events.stream().filter(Events::isFinal).findFirst().orElseThrow().path("status").asText());
        int copies = PeerLog.copiesTo(PeerLog.copies(mesh.peerLog()), mail.messageId, rcpt);
        assertEquals(1, copies, "one copy at the receiver");
    }
}
