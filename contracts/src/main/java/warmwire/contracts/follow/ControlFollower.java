package warmwire.contracts.follow;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.ControlStateCheck;
import warmwire.contracts.control.ControlState;

/**
 * NAME
 *   ControlFollower - reads the compacted mail.control topic, from its beginning, for ever.
 * DESCRIPTION
 *   One daemon thread with a plain KafkaConsumer: every partition assigned (no consumer group:
 *   every instance reads everything), sought to the beginning, then polled; each record's key
 *   and value (null for a compaction tombstone) go to {@code onRecord}, in partition order.
 *   {@link #caughtUp()} turns true once the end offsets seen at the start have been reached;
 *   services act on operator decisions only after that (the retry scheduler forwards nothing,
 *   tls-session-service starts no delivery before it).
 *   Each record is judged by {@link ControlStateCheck} first: an invalid one is never applied
 *   but logged, counted ({@link #invalid()}) and handed to {@code onInvalid} with its reason
 *   (the services write it to mail.internal.dlq), once per position per follower. Nothing a
 *   record holds, and nothing {@code onRecord} throws, stops the follower.
 *   A broken connection is retried every 5 s from the beginning (decisions are whole states,
 *   so replaying them is harmless). {@code kafka} holds the client settings (bootstrap servers
 *   etc.); group, deserializer and commit settings in it are ignored.
 */
public final class ControlFollower implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlFollower.class.getName());

    private final Map<String, Object> props = new HashMap<>();
    private final String topic;
    private final BiConsumer<String, String> onRecord;
    private final Thread thread;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean stopping;
    private volatile boolean caughtUp;
    private final BiConsumer<ConsumerRecord<String, String>, String> onInvalid;
    private final java.util.Set<String> deadLettered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong invalid = new java.util.concurrent.atomic.AtomicLong();

    public ControlFollower(Map<String, Object> kafka, String topic, String clientId, BiConsumer<String, String> onRecord) {
        this(kafka, topic, clientId, onRecord, (r, why) -> {
        });
    }

    /** A follower that hands each invalid record and its reason to {@code onInvalid} (once per position). */
    public ControlFollower(Map<String, Object> kafka, String topic, String clientId, BiConsumer<String, String> onRecord,
                           BiConsumer<ConsumerRecord<String, String>, String> onInvalid) {
        this.onInvalid = onInvalid;
        props.putAll(warmwire.contracts.KafkaClients.connection(kafka));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, warmwire.contracts.KafkaClients.IDLE_FETCH_WAIT_MS);
        this.topic = topic;
        this.onRecord = onRecord;
        this.thread = new Thread(this::follow, clientId);
        thread.setDaemon(true);
    }

    public ControlFollower start() {
        thread.start();
        return this;
    }

    /** Records refused by {@link ControlStateCheck} since start (re-readings included). */
    public long invalid() {
        return invalid.get();
    }

    /** Whether everything that was on the topic when following began has been applied. */
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void close() {
        stopping = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Applies one record, or refuses it with its reason; never throws. */
    void accept(ConsumerRecord<String, String> r) {
        try {
            Checked<?> checked = ControlStateCheck.check(r.key(), r.value(), java.time.Instant.now());
            if (!checked.isValid()) {
                invalid.incrementAndGet();
                LOG.log(System.Logger.Level.ERROR, "invalid record on " + r.topic() + " " + r.partition() + "@"
                        + r.offset() + " not applied: " + checked.reason());
                if (deadLettered.add(r.partition() + "@" + r.offset())) {
                    onInvalid.accept(r, checked.reason());
                }
                return;
            }
            onRecord.accept(r.key(), r.value());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "control record " + r.key() + " not applied: " + e);
        }
    }

    private void follow() {
        while (!stopping) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer = c;
                if (stopping) {
                    return;
                }
                List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                while (!stopping) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                        accept(r);
                    }
                    if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        caughtUp = true;
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "following " + topic + " failed (" + e + "); again in 5 s");
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
