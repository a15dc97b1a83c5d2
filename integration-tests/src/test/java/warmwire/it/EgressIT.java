package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   EgressIT - a tenant's mail leaves from its pool's source addresses, in the pool's ratio.
 * DESCRIPTION
 *   Issue 15, "Egress sources and pools". The IT mesh's tls-session-service (Mesh.java) has two
 *   sources on loopback, {@code it-a} (127.0.0.2, EHLO {@link #HELO_A}) and {@code it-b}
 *   (127.0.0.3, the service's EHLO name), in pool {@code it} with weights 3 and 1, the pool of
 *   tenant {@link #TENANT}. 40 messages of that tenant to egress.test (this JVM's
 *   {@link SmtpSink}):
 *   - every delivered event names its source, 30 it-a and 10 it-b;
 *   - the receiver saw each message come from the address its event names (30 from 127.0.0.2,
 *     10 from 127.0.0.3), it-a's connections with EHLO {@link #HELO_A};
 *   - a message of another tenant goes from the system's address and its event names no source.
 */
class EgressIT {
    static final String MX = "egress.mx.test";
    static final String TENANT = "egress-it";
    static final String HELO_A = "a.egress.test";
    private final Mesh mesh = Mesh.get();

    /** tls-session-service's egress settings for this test (Mesh.java writes them). */
    static List<String> settings() {
        return List.of(
                "warmwire.egress.sources.\"it-a\".address=127.0.0.2",
                "warmwire.egress.sources.\"it-a\".helo=" + HELO_A,
                "warmwire.egress.sources.\"it-b\".address=127.0.0.3",
                "warmwire.egress.pools.\"it\".sources=it-a:3,it-b:1",
                "warmwire.egress.tenant-pools.\"" + TENANT + "\"=it");
    }

    @Test
    void aTenantsMailLeavesFromItsPoolsAddressesInTheirRatio() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        mesh.deliverOneTo("warm-" + u + "@egress.test"); // its site alive before it is measured

        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Mail m = new Mail("", "e" + i + "-" + u + "@egress.test").tenant(TENANT);
            mesh.submit(m.id, m.json());
            mails.add(m);
        }
        Mail other = new Mail("", "other-" + u + "@egress.test").tenant("someone-else");
        mesh.submit(other.id, other.json());

        Map<String, Integer> bySource = new TreeMap<>();
        Map<String, Integer> byPeer = new TreeMap<>();
        for (Mail m : mails) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(60)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            String source = e.path("source").asText();
            bySource.merge(source, 1, Integer::sum);
            SmtpSink.Received r = sink.receivedFor(m.to.get(0)).get(0);
            SmtpSink.Conn c = sink.connection(r.connection());
            byPeer.merge(c.peer(), 1, Integer::sum);
            assertEquals(source.substring(source.indexOf('[') + 1, source.length() - 1), c.peer(),
                    "the receiver saw the message come from the address its event names: " + e);
            if (c.peer().equals("127.0.0.2")) {
                assertEquals(HELO_A, c.helo(), "it-a's connections say its EHLO name");
            }
        }
        System.out.println("EgressIT: events by source " + bySource + ", receiver by peer " + byPeer);
        assertEquals(Map.of("it-a[127.0.0.2]", 30, "it-b[127.0.0.3]", 10), bySource);
        assertEquals(Map.of("127.0.0.2", 30, "127.0.0.3", 10), byPeer);

        JsonNode o = mesh.events.awaitEvents(other.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("delivered", o.path("status").asText(), o.toString());
        assertEquals(false, o.has("source"), "another tenant: the system's address, no source named: " + o);
        SmtpSink.Received r = sink.receivedFor(other.to.get(0)).get(0);
        assertNotNull(sink.connection(r.connection()));
        assertEquals("127.0.0.1", sink.connection(r.connection()).peer());
    }
}
