package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A cached connection the receiver dropped while idle (its smtpd process killed) is replaced:
 * the next message is delivered on a fresh connection (connectionUse 1), with no deferred event.
 */
class DroppedConnectionIT {
    private final Mesh mesh = Mesh.get();
    private static final Pattern LINE = Pattern.compile("/tls-127\\.0\\.0\\.1/smtpd\\[(\\d+)\\]: (connect from|disconnect from)");

    @Test
    void droppedIdleConnectionIsReplacedWithoutDeferral() throws Exception {
        Mail first = new Mail("sender@warmwire.test", "drop1@tls.test");
        mesh.submit(first.id, first.json());
        assertEquals("delivered", mesh.events.awaitEvents(first.id, 1, Duration.ofSeconds(90)).get(0).path("status").asText());

        // the smtpd processes holding a connection open now (connected, not yet disconnected)
        Map<String, String> last = new LinkedHashMap<>();
        Matcher m = LINE.matcher(mesh.peerLog());
        while (m.find()) {
            last.put(m.group(1), m.group(2));
        }
        List<String> live = last.entrySet().stream().filter(en -> en.getValue().equals("connect from")).map(Map.Entry::getKey).toList();
        int killed = mesh.killPeerSmtpd(live);
        assertTrue(killed > 0, "a warm connection at the receiver: an smtpd process to kill among " + live);
        Thread.sleep(500);

        Mail second = new Mail("sender@warmwire.test", "drop2@tls.test");
        mesh.submit(second.id, second.json());
        List<JsonNode> events = mesh.events.awaitEvents(second.id, 1, Duration.ofSeconds(90));
        Thread.sleep(1000); // a deferred event would come first; give any straggler time
        events = mesh.events.awaitEvents(second.id, 1, Duration.ofSeconds(1));
        assertEquals(1, events.size(), "exactly one event, no deferral: " + events);
        JsonNode e = events.get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertEquals(1, e.path("connectionUse").asInt(), "a fresh connection: " + e);
        assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
    }
}
