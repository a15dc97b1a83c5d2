package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, STARTTLS injection (RFC 3207 section 6, the CVE-2011-0411 class), over the real
 * mesh: a receiver whose 220 to STARTTLS comes with a partial line behind it. Before, the partial
 * line became the prefix of the first line read after TLS and every later reply was shifted by
 * one; now the connection is aborted before the handshake, nothing more is sent on it, and the
 * mail is deferred.
 */
class StartTlsInjectionIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void bytesBehindTheStartTlsReplyAbortTheConnection() throws Exception {
        long pid = Hostile.sessionPid(mesh);
        HostileReceiver.Mode mode = HostileReceiver.Mode.INJECT;
        try (HostileReceiver r = new HostileReceiver(mode, Mesh.HOSTILE_PORT + mode.ordinal())) {
            Mail m = new Mail("sender@warmwire.test", "a@" + Mesh.hostileDomain(mode)).tls("encrypt");
            mesh.submit(m.id, m.json());
            Hostile.healthyBeside(mesh, pid, "StartTlsInjectionIT");
            JsonNode e = Hostile.firstEvents(mesh, m, Duration.ofSeconds(60)).get(0);
            Hostile.assertReason(e, "deferred", "data after the 220 reply to STARTTLS");
            assertTrue(r.connections.get() >= 1);
            assertEquals(0, r.afterInjection.get(), "the client sent nothing after the injected reply");
        }
    }
}
