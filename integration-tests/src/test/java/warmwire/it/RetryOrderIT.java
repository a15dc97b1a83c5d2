package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import warmwire.contracts.check.Samples;

/**
 * Issue 11, "A record with a far-future notBefore does not block the retry records behind it":
 * on one partition of mail.retry.1, a record due in 200 days (valid: within a year), then one due
 * now. Before, the scheduler paused the partition on the first until its due time, and the
 * second waited with it; now the first is re-queued to the tier that fits its time once its own
 * tier's wait has passed, and the second is delivered within a few tier waits.
 */
class RetryOrderIT {
    private final Mesh mesh = Mesh.get();

    @Test
    void aFarFutureRecordDoesNotHoldTheRecordsBehindIt() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        Instant now = Instant.now();
        String later = "it-later-" + UUID.randomUUID();
        String due = "it-due-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String[] r : new String[][] {
                    {later, Samples.queued(later, "later@tls.test", now, now.plus(Duration.ofDays(200)))},
                    {due, Samples.queued(due, "due@tls.test", now, now)}}) {
                ProducerRecord<String, String> pr = new ProducerRecord<>("mail.retry.1", 0, r[0], r[1]);
                pr.headers().add("warmwire-site", "127.0.0.1:12525/may".getBytes(StandardCharsets.UTF_8));
                producer.send(pr).get(30, TimeUnit.SECONDS);
            }
        }
        long t0 = System.nanoTime();
        JsonNode e = mesh.events.awaitEvents(due, 1, Duration.ofSeconds(90)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        System.out.println("RetryOrderIT: the record behind a far-future one delivered after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms (tier wait " + Mesh.MIN_BACKOFF.toSeconds() + " s)");
        assertEquals(0, mesh.events.seen(later).size(), "the far-future one waits for its time");
    }
}
