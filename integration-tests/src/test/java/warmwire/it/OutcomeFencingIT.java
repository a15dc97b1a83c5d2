package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   OutcomeFencingIT - queue-service's outcome producers, fenced by the broker, are replaced.
 * DESCRIPTION
 *   queue-service publishes what each batch of outcomes causes in a Kafka transaction
 *   (OutcomeLoop). When the broker bumps a transactional producer's epoch (a broker restart
 *   that timed a transaction out, or another producer with the same transactional id) the old
 *   producer is fenced for good; the loop must make a new one and carry on. This test fences
 *   both of queue-service's outcome producers while mail flows, by initialising producers with
 *   their transactional ids (read from queue-service's log), and asserts that every recipient
 *   still gets exactly one final event (read_committed), the delivered one once at the peer,
 *   and that new producers were started (warmwire_outcome_producers_started_total).
 *   Every message has a second recipient the peer refuses (bounce@, 550): a first attempt
 *   delivered to every recipient publishes its events at tls-session-service and never reaches
 *   queue-service, so the outcomes here are ones queue-service must decide (a bounce and its
 *   notice).
 */
class OutcomeFencingIT {
    private static final Pattern IDS = Pattern.compile("transactional ids (\\S+)-1\\.\\.(\\d+)");
    private final Mesh mesh = Mesh.get();

    private double producersStarted() throws Exception {
        String metrics = mesh.http("GET", Mesh.QUEUE_PORT, "/q/metrics", null, null).body();
        Matcher m = Pattern.compile("(?m)^warmwire_outcome_producers_started_total(?:\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(metrics);
        assertTrue(m.find(), "warmwire_outcome_producers_started_total in queue-service's metrics");
        return Double.parseDouble(m.group(1));
    }

    @Test
    void fencedOutcomeProducersAreReplacedAndNothingIsPublishedTwice() throws Exception {
        String log = Files.readString(mesh.state.resolve("services/queue-service.log"), StandardCharsets.ISO_8859_1);
        Matcher ids = IDS.matcher(log);
        String prefix = null;
        int consumers = 0;
        while (ids.find()) { // the last start of queue-service
            prefix = ids.group(1);
            consumers = Integer.parseInt(ids.group(2));
        }
        assertTrue(prefix != null, "queue-service logs its transactional ids");
        double startedBefore = producersStarted();

        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Mail> mails = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Mail m = Mail.withId("fence-" + run + "-" + i, "sender@plain.test", "r" + i + "@tls.test", "bounce@tls.test");
            mails.add(m);
            mesh.submit(m.id, m.json());
            if (i == 20) {
                for (int n = 1; n <= consumers; n++) {
                    fence(prefix + "-" + n);
                }
            }
            Thread.sleep(50);
        }
        for (Mail m : mails) {
            mesh.events.awaitEvents(e -> e.path("id").asText().equals(m.id) && Events.isFinal(e), 2, Duration.ofSeconds(90));
        }
        Thread.sleep(3000); // late duplicates would show now
        List<String> wrong = new ArrayList<>();
        Map<String, List<PeerLog.Copy>> peer = PeerLog.copies(mesh.peerLog());
        for (Mail m : mails) {
            List<String> delivered = mesh.events.seen(e -> e.path("id").asText().equals(m.id) && Events.isFinal(e)
                    && e.path("recipient").asText().equals(m.to.get(0))).stream().map(e -> e.path("status").asText()).toList();
            List<String> bounced = mesh.events.seen(e -> e.path("id").asText().equals(m.id) && Events.isFinal(e)
                    && e.path("recipient").asText().equals(m.to.get(1))).stream().map(e -> e.path("status").asText()).toList();
            int copies = PeerLog.copiesTo(peer, m.messageId, m.to.get(0));
            if (!delivered.equals(List.of("delivered")) || !bounced.equals(List.of("bounced")) || copies != 1) {
                wrong.add(m.id + " finals " + delivered + " and " + bounced + ", copies " + copies);
            }
        }
        assertTrue(wrong.isEmpty(), "not exactly one final event per recipient and one copy at the peer: " + wrong);
        double startedAfter = producersStarted();
        System.out.printf("OutcomeFencingIT: %d consumers fenced (%s-1..%d); producers started %.0f -> %.0f%n", consumers,
                prefix, consumers, startedBefore, startedAfter);
        assertTrue(startedAfter >= startedBefore + 1, "a fenced producer was replaced: " + startedBefore + " -> " + startedAfter);
    }

    /** Initialises a producer with {@code transactionalId}: the broker bumps the epoch, the old holder is fenced. */
    private void fence(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<String, String> fencer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            fencer.initTransactions();
        }
        System.out.println("OutcomeFencingIT: fenced " + transactionalId);
    }
}
