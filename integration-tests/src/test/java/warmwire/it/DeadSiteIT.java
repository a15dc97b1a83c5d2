package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   DeadSiteIT - a down destination costs (almost) nothing: after a failed cohort its mail is
 *   deferred without connecting until the site's dead-site backoff ends (Postfix's rule).
 * DESCRIPTION
 *   Issue 4, "Dead destinations". dead.test is routed to a {@link SmtpSink} of this JVM that
 *   counts TCP connections and, while "down", answers every connection with a 421 greeting and
 *   closes it: opening a connection fails, the whole cohort (the only connection) failed, so the
 *   site is dead for the dead-site backoff (2 s doubling to 4 s in the IT mesh).
 *   For 10 s, 20 messages from the null sender (no DSNs) go to dead.test, one every 500 ms.
 *   Without the rule every attempt (first ones and retries, about 40) would open a connection;
 *   with it only the probes after each backoff do. Asserted: connections at most a third of the
 *   attempts (deferred events), and at least half the deferred events say that the site is dead
 *   (the rest: the probes, and jobs that waited for a probe and share its error). Then the listener comes back (220): a probe succeeds, the verdict clears, and
 *   all 20 are delivered, each exactly once.
 */
class DeadSiteIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void deadSiteIsNotConnectedToUntilItsBackoffEnds() throws Exception {
        try (SmtpSink dead = new SmtpSink(Mesh.DEAD_PORT)) {
            dead.greeting("421 4.3.2 dead.test is down for the test");
            String u = UUID.randomUUID().toString().substring(0, 8);
            List<Mail> mails = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Mail m = new Mail("", "d" + i + "-" + u + "@dead.test");
                mails.add(m);
                mesh.submit(m.id, m.json());
                Thread.sleep(500);
            }
            // every message has had its first attempt
            for (Mail m : mails) {
                JsonNode first = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(30)).get(0);
                assertEquals("deferred", first.path("status").asText(), first.toString());
            }
            int connects = dead.connections();
            List<JsonNode> deferred = new ArrayList<>();
            for (Mail m : mails) {
                deferred.addAll(mesh.events.seen(m.id).stream().filter(Events.status("deferred")).toList());
            }
            long saidDead = deferred.stream().filter(e -> e.path("reason").asText().toLowerCase(Locale.ROOT).contains("dead")).count();
            System.out.printf("DeadSiteIT: %d deferred attempts, %d connections at the receiver, %d said 'dead'%n",
                    deferred.size(), connects, saidDead);
            assertTrue(connects >= 1, "the first attempt connected");
            assertTrue(connects * 3 <= deferred.size(), connects + " connections for " + deferred.size()
                    + " attempts: a dead site must be deferred without connecting\n" + deferred);
            assertTrue(saidDead * 2 >= deferred.size(),
                    "attempts that did not connect say the site is dead (a waiting job may share a failed probe's error): "
                            + deferred);

            // the destination comes back: a probe clears the verdict, the waiting mail goes
            dead.greeting(SmtpSink.OK_GREETING);
            for (Mail m : mails) {
                mesh.events.awaitEvents(Events.of(m.id, m.to.get(0)).and(Events.status("delivered")), 1, Duration.ofSeconds(40));
            }
            Thread.sleep(2000);
            for (Mail m : mails) {
                assertEquals(1, dead.receivedFor(m.to.get(0)).size(), m.to.get(0) + " delivered once");
                assertEquals(1, mesh.events.seen(m.id).stream().filter(Events::isFinal).count(), mesh.events.seen(m.id).toString());
            }
        }
    }
}
