package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code encrypt} never sends in clear text to a server that does not offer STARTTLS: the
 * recipient is deferred, and the receiver's own log shows the session ended without MAIL.
 * The same server takes the mail at level {@code may}, which proves the listener works.
 */
class EncryptNeverCleartextIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void encryptDefersInsteadOfSendingInClear() throws Exception {
        String before = mesh.peerLog();
        Mail mail = new Mail("sender@warmwire.test", "carol@plain.test").tls("encrypt");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("deferred", e.path("status").asText(), e.toString());
        assertTrue(e.path("reason").asText().toLowerCase().contains("tls"), e.toString());
        assertTrue(e.path("tls").isMissingNode() || e.path("tls").isNull(), e.toString());

        Thread.sleep(1500); // let the receiver write its disconnect line
        String added = mesh.peerLog().substring(before.length());
        assertFalse(added.contains(mail.messageId), "message content reached a clear-text server");
        // Postfix logs the commands of each session: a session with MAIL would say "mail=1"
        Matcher disconnects = Pattern.compile("disconnect from [^\\n]*").matcher(added);
        boolean sawSession = false;
        while (disconnects.find()) {
            sawSession = true;
            assertFalse(disconnects.group().contains(" mail="), "MAIL sent in clear text: " + disconnects.group());
        }
        assertTrue(sawSession, "the sender did connect to the clear-text listener (so the test proves something)");
    }

    @Test
    void mayDeliversInClearToTheSameServer() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "dave@plain.test");
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertTrue(e.path("tls").isMissingNode() || e.path("tls").isNull(), e.toString());
    }
}
