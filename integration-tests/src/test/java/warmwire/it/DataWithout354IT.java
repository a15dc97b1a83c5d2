package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "DATA means 354", over the real mesh: a receiver that answers DATA with 250. Before,
 * every accepted recipient was reported delivered though no body was sent (silent loss); now
 * it is a protocol error and the mail is deferred (and retried), never delivered.
 */
class DataWithout354IT {
    private final Mesh mesh = Mesh.get();

    @Test
    void aTwoHundredFiftyToDataIsNeverADelivery() throws Exception {
        long pid = Hostile.sessionPid(mesh);
        HostileReceiver.Mode mode = HostileReceiver.Mode.DATA_250;
        try (HostileReceiver r = new HostileReceiver(mode, Mesh.HOSTILE_PORT + mode.ordinal())) {
            Mail m = new Mail("sender@warmwire.test", "a@" + Mesh.hostileDomain(mode), "b@" + Mesh.hostileDomain(mode));
            mesh.submit(m.id, m.json());
            Hostile.healthyBeside(mesh, pid, "DataWithout354IT");
            for (JsonNode e : Hostile.firstEvents(mesh, m, Duration.ofSeconds(60))) {
                Hostile.assertReason(e, "deferred", "instead of 354");
            }
            Thread.sleep(Mesh.MAX_BACKOFF.toMillis()); // a retry or two
            assertTrue(mesh.events.seen(m.id).stream().noneMatch(e -> "delivered".equals(e.path("status").asText())),
                    "never delivered: " + mesh.events.seen(m.id));
            assertEquals(0, r.bodies.get(), "no body went");
        }
    }
}
