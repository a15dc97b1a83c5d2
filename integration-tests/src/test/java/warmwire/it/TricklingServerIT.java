package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "Time", over the real mesh: a receiver that answers MAIL, RCPT and DATA one byte a
 * second (14 s a reply, each within the IT mesh's 15 s reply timeout). Timed per reply, a
 * pipelined group of 10 recipients held the connection for minutes; timed from the command,
 * the group gets 15 s in all: the connection is dropped and the mail deferred.
 */
class TricklingServerIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void aTricklingServerNeverHoldsAConnectionPastTheStatesLimit() throws Exception {
        long pid = Hostile.sessionPid(mesh);
        HostileReceiver.Mode mode = HostileReceiver.Mode.TRICKLE;
        try (HostileReceiver r = new HostileReceiver(mode, Mesh.HOSTILE_PORT + mode.ordinal())) {
            String[] rcpts = new String[10];
            for (int i = 0; i < rcpts.length; i++) {
                rcpts[i] = "slow" + i + "@" + Mesh.hostileDomain(mode);
            }
            Mail m = new Mail("sender@warmwire.test", rcpts);
            long t0 = System.nanoTime();
            mesh.submit(m.id, m.json());
            Hostile.healthyBeside(mesh, pid, "TricklingServerIT");
            for (JsonNode e : Hostile.firstEvents(mesh, m, Duration.ofSeconds(90))) {
                Hostile.assertReason(e, "deferred", "timed out while sending RCPT TO");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long limit = Mesh.SMTP_TIMEOUT.toMillis() + 10_000; // one reply timeout, plus routing and event slack
            System.out.println("TricklingServerIT: deferred " + ms + " ms after submission (per reply it would take "
                    + (rcpts.length + 2) * 14 + " s)");
            assertTrue(ms <= limit, "the connection was held " + ms + " ms, limit " + limit);
        }
    }
}
