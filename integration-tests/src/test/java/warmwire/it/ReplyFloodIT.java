package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "No unsolicited replies", over the real mesh: a receiver that streams "250 flood"
 * lines without end after its EHLO reply. Before, tls-session-service kept every unread reply
 * and ran out of heap within seconds; now the first reply no command waits for (or, pipelined,
 * the flood answering DATA with 250) is a protocol error, the connection is closed and the mail
 * deferred, and mail to tls.test beside it is delivered on time by the same process.
 */
class ReplyFloodIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void aFloodOfRepliesEndsTheConnectionNotTheService() throws Exception {
        long pid = Hostile.sessionPid(mesh);
        HostileReceiver.Mode mode = HostileReceiver.Mode.FLOOD;
        try (HostileReceiver r = new HostileReceiver(mode, Mesh.HOSTILE_PORT + mode.ordinal())) {
            Mail[] flood = new Mail[5];
            for (int i = 0; i < flood.length; i++) {
                flood[i] = new Mail("sender@warmwire.test", "victim" + i + "@" + Mesh.hostileDomain(mode));
                mesh.submit(flood[i].id, flood[i].json());
            }
            Hostile.healthyBeside(mesh, pid, "ReplyFloodIT");
            for (Mail m : flood) {
                JsonNode e = Hostile.firstEvents(mesh, m, Duration.ofSeconds(60)).get(0);
                Hostile.assertReason(e, "deferred", "protocol error");
            }
            assertEquals(0, r.bodies.get(), "nothing was delivered to the flooding server");
            Hostile.healthyBeside(mesh, pid, "ReplyFloodIT (after)");
        }
    }
}
