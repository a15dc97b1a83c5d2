package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The default size limit end to end: a 10 MiB message crosses every topic (base64 inside JSON)
 * and reaches the receiver; one byte more is rejected at intake with the reason.
 */
class LargeMessageIT {
    private static final int LIMIT = 10 * 1024 * 1024;
    private final Mesh mesh = Mesh.get();

    @Test
    void tenMebibytesAreDelivered() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "big@tls.test").size(LIMIT);
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(120)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        String log = mesh.peerLog();
        assertTrue(log.contains("message-id=<" + mail.messageId + ">"), "the receiver got the big message");
    }

    @Test
    void oneByteMoreIsRejectedWithTheReason() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "big@tls.test").size(LIMIT + 1);
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("rejected", e.path("status").asText(), e.toString());
        assertTrue(e.path("reason").asText().contains("exceeds the limit of " + LIMIT + " bytes"), e.toString());
        Events.DeadLetter d = mesh.events.awaitDeadLetter(x -> mail.id.equals(x.key()), Duration.ofSeconds(30));
        assertEquals(mail.json().length(), d.value().length(), "the DLQ keeps the whole original record");
    }
}
