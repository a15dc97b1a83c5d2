package warmwire.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * NAME
 *   TlsReports - reads mail.tlsrpt (read_committed, from the beginning) for the reports of a domain.
 */
final class TlsReports implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final KafkaConsumer<String, String> consumer;
    private final List<ObjectNode> seen = new ArrayList<>();

    TlsReports(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo pi : consumer.partitionsFor("mail.tlsrpt", Duration.ofSeconds(30))) {
            parts.add(new TopicPartition("mail.tlsrpt", pi.partition()));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /**
     * The first report for {@code domain} whose period ends after {@code fromMillis}, as
     * {@code {"report": <RFC 8460 JSON>, "rua": <header or null>}}; fails after {@code wait}.
     */
    JsonNode await(String domain, long fromMillis, Duration wait) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (ObjectNode r : seen) {
                JsonNode report = r.path("report");
                Instant end = Instant.parse(report.path("date-range").path("end-datetime").asText());
                if (domain.equals(r.path("key").asText()) && end.toEpochMilli() + 1000 > fromMillis) {
                    return r;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no TLS report for " + domain + " within " + wait + "; seen: " + seen);
            }
            for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                ObjectNode n = json.createObjectNode();
                n.put("key", rec.key());
                n.set("report", json.readTree(rec.value()));
                Header rua = rec.headers().lastHeader("warmwire-tlsrpt-rua");
                n.put("rua", rua == null ? null : new String(rua.value(), StandardCharsets.UTF_8));
                seen.add(n);
            }
        }
    }

    /** The successful sessions counted for {@code domain} in all reports read so far whose period ends after {@code fromMillis}. */
    long successes(String domain, long fromMillis, Duration readFor) {
        long until = System.nanoTime() + readFor.toNanos();
        do {
            for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                ObjectNode n = json.createObjectNode();
                n.put("key", rec.key());
                try {
                    n.set("report", json.readTree(rec.value()));
                } catch (Exception e) {
                    throw new AssertionError("not JSON on mail.tlsrpt: " + rec.value(), e);
                }
                Header rua = rec.headers().lastHeader("warmwire-tlsrpt-rua");
                n.put("rua", rua == null ? null : new String(rua.value(), StandardCharsets.UTF_8));
                seen.add(n);
            }
        } while (System.nanoTime() < until);
        long sum = 0;
        for (ObjectNode r : seen) {
            JsonNode report = r.path("report");
            Instant end = Instant.parse(report.path("date-range").path("end-datetime").asText());
            if (domain.equals(r.path("key").asText()) && end.toEpochMilli() + 1000 > fromMillis) {
                for (JsonNode p : report.path("policies")) {
                    sum += p.path("summary").path("total-successful-session-count").asLong();
                }
            }
        }
        return sum;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
