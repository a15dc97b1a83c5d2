package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code may} and {@code encrypt} mail to the same receiver never share a connection: they are
 * two sites (the TLS level is in the site key) and so two connections, each with its own use
 * count; the receiver sees a connection for each.
 */
class TlsLevelSeparationIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void mayAndEncryptNeverShareAConnection() throws Exception {
        Mail may = new Mail("sender@warmwire.test", "level-may@tls.test");
        mesh.submit(may.id, may.json());
        JsonNode m = mesh.events.awaitEvents(may.id, 1, Duration.ofSeconds(90)).get(0);
        int offset = mesh.peerLog().length();
        Mail enc = new Mail("sender@warmwire.test", "level-encrypt@tls.test").tls("encrypt");
        mesh.submit(enc.id, enc.json());
        JsonNode e = mesh.events.awaitEvents(enc.id, 1, Duration.ofSeconds(90)).get(0);
        Mail enc2 = new Mail("sender@warmwire.test", "level-encrypt2@tls.test").tls("encrypt");
        mesh.submit(enc2.id, enc2.json());
        JsonNode e2 = mesh.events.awaitEvents(enc2.id, 1, Duration.ofSeconds(90)).get(0);

        assertEquals("delivered", m.path("status").asText(), m.toString());
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertTrue(m.path("site").asText().endsWith("/may"), m.toString());
        assertTrue(e.path("site").asText().endsWith("/encrypt"), e.toString());
        assertNotEquals(m.path("site").asText(), e.path("site").asText());
        assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
        // the encrypt site's connections are its own: its use count continues from its own, and
        // the receiver saw a connection for it even though a may connection was warm
        assertEquals(e.path("connectionUse").asInt() + 1, e2.path("connectionUse").asInt(), e + " / " + e2);
        String log = mesh.peerLogSince(offset);
        if (e.path("connectionUse").asInt() == 1) {
            assertEquals(1, ConnectionReuseIT.connects(log), "the encrypt mail opened its own connection\n" + log);
        }
    }
}
