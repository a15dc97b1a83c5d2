package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "mesh.sh start after a broker crash restarts only what is down": after kill -9 of
 * the Kafka broker, the README's run command ({@code mesh.sh start}) succeeds at once (before,
 * it tried to start the running queue-service again and failed with "port 8081 is already in
 * use"), starts a new broker, leaves every running service the same process, and mail flows.
 */
class MeshRestartIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void startAfterABrokerCrashStartsOnlyTheBroker() throws Exception {
        long queue = mesh.pidOf(Mesh.Part.QUEUE).orElseThrow();
        long delivery = mesh.pidOf(Mesh.Part.DELIVERY).orElseThrow();
        long session = mesh.pidOf(Mesh.Part.SESSION).orElseThrow();
        long infinispan = mesh.pidOf(Mesh.Part.INFINISPAN).orElseThrow();
        long kafka = mesh.kill9(Mesh.Part.KAFKA);
        String out = mesh.run(Duration.ofMinutes(6), "deploy/local/mesh.sh", "start");
        System.out.println("MeshRestartIT: mesh.sh start after kill -9 of the broker:\n" + out);
        assertNotEquals(kafka, mesh.pidOf(Mesh.Part.KAFKA).orElseThrow(), "a new broker");
        assertEquals(queue, mesh.pidOf(Mesh.Part.QUEUE).orElseThrow(), "queue-service left running");
        assertEquals(delivery, mesh.pidOf(Mesh.Part.DELIVERY).orElseThrow(), "delivery-service left running");
        assertEquals(session, mesh.pidOf(Mesh.Part.SESSION).orElseThrow(), "tls-session-service left running");
        assertEquals(infinispan, mesh.pidOf(Mesh.Part.INFINISPAN).orElseThrow(), "Infinispan left running");
        mesh.awaitReady(Duration.ofMinutes(3), null);
        Mail m = new Mail("sender@warmwire.test", "after-restart@tls.test");
        mesh.submit(m.id, m.json());
        JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(120)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
    }
}
