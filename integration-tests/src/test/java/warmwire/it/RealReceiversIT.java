package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "The same suite against the receivers mail really meets": 500 mails each to
 * Postfix 3.7 (tls.test), Exim 4.96 (exim.test) and OpenSMTPD 7.4 (smtpd.test), real servers on
 * loopback with their stock session limits (deploy/local/mta-peer.sh), over STARTTLS with reuse.
 * Every mail is delivered at its first attempt, none deferred. OpenSMTPD refuses the 101st
 * message of a session ("452 4.5.3 Too many recipients: Too many messages sent", its max-mails
 * 100): the mail goes on a fresh connection at once, and no connection carries more than 100.
 * Before, 400 of 500 were deferred to the retry backoff. OpenSMTPD offers no PIPELINING (and
 * disconnects a client that pipelines anyway), so its mail goes in lockstep.
 */
class RealReceiversIT {
    private static final int N = 500;
    private final Mesh mesh = Mesh.get();

    @BeforeAll
    static void peers() throws Exception {
        Mesh m = Mesh.get();
        m.run(Duration.ofMinutes(5), "deploy/local/mta-peer.sh", "start", "exim");
        m.run(Duration.ofMinutes(5), "deploy/local/mta-peer.sh", "start", "opensmtpd");
    }

    /** Submits N mails to {@code domain} and checks they are all delivered at once, over TLS; returns their events. */
    private List<JsonNode> deliverAll(String domain) throws Exception {
        List<Mail> mails = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < N; i++) {
            Mail m = new Mail("sender@warmwire.test", "r" + i + "@" + domain).tls("encrypt");
            mails.add(m);
            mesh.submit(m.id, m.json());
        }
        List<JsonNode> events = new ArrayList<>();
        for (Mail m : mails) {
            JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(180)).get(0);
            assertEquals("delivered", e.path("status").asText(), domain + ": " + e);
            assertEquals(1, e.path("attempt").asInt(), domain + ": delivered at the first attempt: " + e);
            assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), domain + ": over TLS: " + e);
            events.add(e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (Mail m : mails) {
            assertEquals(1, mesh.events.seen(m.id).size(), domain + ": one event, no deferral: " + mesh.events.seen(m.id));
        }
        int maxUse = events.stream().mapToInt(e -> e.path("connectionUse").asInt()).max().orElse(0);
        long fresh = events.stream().filter(e -> e.path("connectionUse").asInt() == 1).count();
        System.out.println("RealReceiversIT: " + domain + ": " + N + " of " + N + " delivered at once in " + ms
                + " ms, " + fresh + " connection(s), most deliveries on one: " + maxUse);
        return events;
    }

    private static int count(Path log, Pattern p) throws Exception {
        Matcher m = p.matcher(Files.readString(log));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void postfixTakesEveryMail() throws Exception {
        List<JsonNode> events = deliverAll("tls.test");
        assertTrue(events.stream().anyMatch(e -> e.path("connectionUse").asInt() > 100), "reuse past 100 deliveries");
    }

    @Test
    void eximTakesEveryMail() throws Exception {
        List<JsonNode> events = deliverAll("exim.test");
        assertTrue(events.stream().anyMatch(e -> e.path("connectionUse").asInt() > 100), "reuse past 100 deliveries");
        Path log = Path.of(mesh.run(Duration.ofSeconds(30), "deploy/local/mta-peer.sh", "log-path", "exim").trim());
        assertTrue(count(log, Pattern.compile(" <= sender@warmwire\\.test .* X=TLS")) >= N, "Exim logged " + N + " TLS messages");
    }

    @Test
    void openSmtpdTakesEveryMailOnFreshConnectionsPastItsSessionLimit() throws Exception {
        List<JsonNode> events = deliverAll("smtpd.test");
        int maxUse = events.stream().mapToInt(e -> e.path("connectionUse").asInt()).max().orElse(0);
        assertTrue(maxUse <= 100, "no connection carried more than OpenSMTPD's max-mails 100: " + maxUse);
        assertTrue(maxUse > 10, "connections are reused: " + maxUse);
        Path log = Path.of(mesh.run(Duration.ofSeconds(30), "deploy/local/mta-peer.sh", "log-path", "opensmtpd").trim());
        assertTrue(count(log, Pattern.compile("mda delivery .* result=Ok")) >= N, "OpenSMTPD delivered " + N);
    }
}
