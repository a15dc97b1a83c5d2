package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * NAME
 *   Hostile - what every hostile-receiver IT checks beside its own case.
 * DESCRIPTION
 *   {@link #healthyBeside} submits {@code HEALTHY} mails to tls.test (the Postfix peer) while the
 *   hostile receiver holds its own, and checks that each is delivered within {@code ON_TIME} of
 *   its submission, then that tls-session-service is still the same process (never restarted,
 *   at its default heap: the IT mesh does not change it) and ready.
 */
final class Hostile {
    static final int HEALTHY = 20;
    static final Duration ON_TIME = Duration.ofSeconds(30);

    private Hostile() {
    }

    /** The session service's pid now (it must stay the same through a test). */
    static long sessionPid(Mesh mesh) {
        return mesh.pidOf(Mesh.Part.SESSION).orElseThrow(() -> new AssertionError("tls-session-service is not running"));
    }

    static void healthyBeside(Mesh mesh, long pidBefore, String what) throws Exception {
        List<Mail> healthy = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < HEALTHY; i++) {
            Mail m = new Mail("sender@warmwire.test", "healthy" + i + "@tls.test");
            healthy.add(m);
            mesh.submit(m.id, m.json());
        }
        for (Mail m : healthy) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, ON_TIME).get(0);
            assertEquals("delivered", e.path("status").asText(), what + ": healthy mail beside it: " + e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(what + ": " + HEALTHY + " healthy mails to tls.test delivered in " + ms + " ms beside it");
        assertEquals(pidBefore, sessionPid(mesh), what + ": tls-session-service was not restarted");
        assertEquals(200, mesh.http("GET", Mesh.sessionPort(1), "/q/health/ready", null, null).statusCode(),
                what + ": tls-session-service ready");
    }

    /** Waits for the first event of each recipient of {@code m} and returns them. */
    static List<JsonNode> firstEvents(Mesh mesh, Mail m, Duration timeout) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        for (String r : m.to) {
            out.add(mesh.events.awaitEvents(Events.of(m.id, r), 1, timeout).get(0));
        }
        return out;
    }

    static void assertReason(JsonNode e, String status, String part) {
        assertEquals(status, e.path("status").asText(), e.toString());
        String reason = e.path("reason").asText("");
        if (reason.isEmpty()) {
            reason = e.path("smtp").path("text").asText("");
        }
        assertTrue(reason.contains(part) || e.toString().contains(part), "names it (" + part + "): " + e);
        assertTrue(e.toString().length() < 8192, "an event stays small: " + e.toString().length() + " chars");
    }
}
