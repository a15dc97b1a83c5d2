package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   ChunkingIT - BDAT to a server that offers CHUNKING (RFC 3030).
 * DESCRIPTION
 *   Issue 15, "The SMTP extensions a sender is expected to use". chunking.test is routed to a
 *   {@link SmtpSink} of this test on {@link #PORT} that offers PIPELINING and CHUNKING and takes
 *   BDAT. A message with a line that begins with a dot (DATA would stuff it; BDAT sends octets
 *   as they are) and a 70 KiB body is delivered with BDAT, and the receiver's octets are the
 *   message's, line ends aside. A message to the shared sink (no CHUNKING) still goes with DATA.
 */
class ChunkingIT {
    static final int PORT = 12593 + Mesh.PORT_OFFSET;
    private final Mesh mesh = Mesh.get();

    @Test
    void aServerThatOffersChunkingGetsTheMessageByBdatUnstuffed() throws Exception {
        try (SmtpSink sink = new SmtpSink(PORT, true)) {
            String u = UUID.randomUUID().toString().substring(0, 8);
            Mail m = new Mail("", "c-" + u + "@chunking.test").size(70 * 1024);
            mesh.submit(m.id, m.json());
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(60)).get(0);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            SmtpSink.Received r = sink.receivedFor(m.to.get(0)).get(0);
            assertTrue(r.bdat(), "sent with BDAT");
            String sent = mesh.parse(m.json()).path("content").asText();
            assertTrue(r.data().contains("\n.leading dot line\n"), "a leading dot goes as it is under BDAT");
            assertTrue(r.data().endsWith(sent.substring(sent.indexOf("\n\n"))), "the body arrived octet for octet");
            assertTrue(r.data().length() >= 70 * 1024, "all of it: " + r.data().length());

            SmtpSink shared = SmtpSink.shared(Mesh.SINK_PORT);
            mesh.deliverOneTo("p-" + u + "@sink.test");
            SmtpSink.Received d = shared.receivedFor("p-" + u + "@sink.test").get(0);
            assertEquals(false, d.bdat(), "no CHUNKING offered: DATA");
        }
    }
}
