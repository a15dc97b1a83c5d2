package warmwire.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import warmwire.testing.Poll;

/**
 * NAME
 *   Events - reads mail.events and mail.submit.dlq as a plain Kafka client would.
 * DESCRIPTION
 *   With isolation.level=read_committed, as every reader of mail.events should: queue-service
 *   writes outcome events in Kafka transactions, and events of an aborted one never count.
 *   Assigned to every partition and positioned at the end when the mesh starts, so a test sees
 *   only what its own submissions caused. Tests wait on {@link #awaitEvents} with a deadline.
 */
public final class Events implements AutoCloseable {
    /** A DLQ record: its value (as text, and as the bytes on the topic) and its reason header. */
    public record DeadLetter(String key, String value, String reason, byte[] bytes) {
    }

    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final Map<String, Object> monitor = new ConcurrentHashMap<>();
    private final Thread poller;
    private volatile boolean running = true;

    Events(String bootstrap, ObjectMapper json) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // as every reader of mail.events should: events of an aborted transaction never count
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of("mail.events", "mail.submit.dlq")) {
            for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // resolve the end offsets now, before any test submits
        poller = new Thread(() -> {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        String text = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
                        if (r.topic().equals("mail.events")) {
                            try {
                                events.add(json.readTree(text));
                            } catch (Exception e) {
                                events.add(json.createObjectNode().put("unparseable", text));
                            }
                        } else {
                            Header h = r.headers().lastHeader("warmwire-reject-reason");
                            deadLetters.add(new DeadLetter(r.key(), text,
                                    h == null ? null : new String(h.value(), StandardCharsets.UTF_8), r.value()));
                        }
                    }
                }
            }
        }, "it-events");
        poller.setDaemon(true);
        poller.start();
    }

    /** Waits until {@code count} events with message id {@code id} have arrived; returns them all. */
    public List<JsonNode> awaitEvents(String id, int count, Duration timeout) throws InterruptedException {
        return awaitEvents(e -> id.equals(e.path("id").asText()), count, timeout);
    }

    public List<JsonNode> awaitEvents(Predicate<JsonNode> which, int count, Duration timeout) throws InterruptedException {
        return Poll.until(timeout, Duration.ofMillis(100), () -> events.stream().filter(which).collect(Collectors.toList()),
                got -> got.size() >= count, got -> "expected " + count + " events, got " + got.size() + ": " + got);
    }

    /** The events matching {@code which} that have arrived so far, without waiting. */
    public List<JsonNode> awaitEventsNow(Predicate<JsonNode> which) {
        return events.stream().filter(which).collect(Collectors.toList());
    }

    /** The events of message {@code id} that have arrived so far, without waiting. */
    public List<JsonNode> seen(String id) {
        return events.stream().filter(e -> id.equals(e.path("id").asText())).collect(Collectors.toList());
    }

    /** Every event that has arrived so far. */
    public List<JsonNode> all() {
        return List.copyOf(events);
    }

    /** The events that have arrived so far and match {@code which}, without waiting. */
    public List<JsonNode> seen(Predicate<JsonNode> which) {
        return events.stream().filter(which).collect(Collectors.toList());
    }

    /** The DLQ records that have arrived so far. */
    public List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** Matches events of message {@code id} for {@code recipient} (case-insensitive address). */
    public static Predicate<JsonNode> of(String id, String recipient) {
        return e -> id.equals(e.path("id").asText()) && recipient.equalsIgnoreCase(e.path("recipient").asText());
    }

    /** Matches events with this status (wire name: delivered, deferred, ...). */
    public static Predicate<JsonNode> status(String status) {
        return e -> status.equals(e.path("status").asText());
    }

    /** Whether the event's status is final: anything but deferred. */
    public static boolean isFinal(JsonNode e) {
        String s = e.path("status").asText();
        return !s.isEmpty() && !"deferred".equals(s);
    }

    /**
     * An instant field of an event: ISO-8601 text, or a number of epoch seconds (Jackson's
     * numeric form, fractions allowed). Null when absent.
     */
    public static Instant instant(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            BigDecimal s = n.decimalValue();
            return Instant.ofEpochSecond(s.longValue(), s.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        }
        return Instant.parse(n.asText());
    }

    public DeadLetter awaitDeadLetter(Predicate<DeadLetter> which, Duration timeout) throws InterruptedException {
        return Poll.until(timeout, Duration.ofMillis(100), () -> deadLetters.stream().filter(which).findFirst().orElse(null),
                d -> d != null, d -> "no matching record on mail.submit.dlq; saw " + deadLetters);
    }

    @Override
    public void close() {
        running = false;
    }
}
