package warmwire.queue.retry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.control.ControlFollower;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   RetryScheduler - moves deferred mail from the retry tiers back to mail.route when it is due.
 * DESCRIPTION
 *   Postfix's qmgr scanning the deferred queue, with Kafka as the queue. One thread, a plain
 *   KafkaConsumer in the group {@code warmwire-queue-retry} on the five tiers
 *   ({@link Topics#retry}), and a producer (acks=all, idempotent). For each partition, records
 *   are taken in offset order and judged by {@link RetryDecision}: due records are forwarded to
 *   mail.route (key = message id), held ones go back to the last tier, deleted ones are dropped;
 *   at the first record that is not due the consumer seeks back to it and pauses the partition
 *   until its time (every record of a tier waits the same time, so nothing behind it is due
 *   earlier). Offsets are committed only after the broker acknowledged what was forwarded, so a
 *   crash forwards a record at most once more (at-least-once; the attempt number, hence the job
 *   id, stays the same, which lets tls-session-service recognise a job it already delivered).
 *
 *   Operator decisions come from mail.control through a {@link ControlFollower}. A retry-now
 *   decision (message, site, all) makes matching records due at once: paused partitions are
 *   resumed, and the records behind each paused head are scanned by a second consumer (no
 *   group), which forwards the matching ones early and remembers their offsets so that the main
 *   consumer skips them when it gets there. That memory is lost on a restart; the record is then
 *   forwarded once more at its own time, as one more attempt of the same job id.
 *   A record that cannot be read cannot have come from Warmwire; it is logged and skipped.
 */
@ApplicationScoped
public class RetryScheduler {
    private static final Logger LOG = Logger.getLogger(RetryScheduler.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final QueueConfig config;
    private final Backoff backoff;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, ControlState> control = new ConcurrentHashMap<>();
    private final AtomicLong retryEpoch = new AtomicLong();
    private final Map<TopicPartition, Instant> paused = new HashMap<>();
    private final Set<String> forwardedEarly = ConcurrentHashMap.newKeySet();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, String> consumer;
    private ControlFollower follower;
    private Thread thread;

    @Inject
    public RetryScheduler(ObjectMapper mapper, @Identifier("default-kafka-broker") Map<String, Object> kafka,
                          QueueConfig config) {
        this.mapper = mapper;
        this.kafka = kafka;
        this.config = config;
        this.backoff = new Backoff(config.queue().minimalBackoff(), config.queue().maximalBackoff());
    }

    void onStart(@Observes StartupEvent ev) {
        if (config.queue().followControl()) {
            follower = new ControlFollower(kafka, Topics.CONTROL, "warmwire-queue-control", this::onControl).start();
        }
        if (!config.queue().retryScheduler()) {
            LOG.info("retry scheduler off in this instance (warmwire.queue.retry-scheduler=false)");
            return;
        }
        thread = new Thread(this::run, "warmwire-retry-scheduler");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("retry scheduler: tiers wait %s", IntStream.rangeClosed(1, Topics.RETRY_TIERS)
                .mapToObj(i -> Topics.retry(i) + "=" + backoff.tierWait(i)).toList());
    }

    void onStop(@Observes ShutdownEvent ev) {
        stopping = true;
        if (follower != null) {
            follower.close();
        }
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The operator's decision in force for a key of mail.control, or null. */
    public ControlState control(String key) {
        return control.get(key);
    }

    /** The keys with a decision in force. */
    public java.util.Set<String> controlKeys() {
        return java.util.Set.copyOf(control.keySet());
    }

    /** Whether every decision on mail.control at start has been read. */
    public boolean controlCaughtUp() {
        return follower != null && follower.caughtUp();
    }

    /** Records forwarded to mail.route since start (metrics, tests). */
    public long forwarded() {
        return forwarded.get();
    }

    void onControl(String key, String value) {
        if (key == null) {
            return;
        }
        if (value == null) {
            control.remove(key);
            return;
        }
        try {
            ControlState s = mapper.readValue(value, ControlState.class);
            ControlState before = control.put(key, s);
            if (s.retryRequestedAt() != null && (before == null || !s.retryRequestedAt().equals(before.retryRequestedAt()))) {
                retryEpoch.incrementAndGet();
            }
        } catch (Exception e) {
            LOG.errorf("unreadable record on %s for %s skipped: %s", Topics.CONTROL, key, e.getMessage());
        }
    }

    private Map<String, Object> clientProps() {
        return warmwire.contracts.KafkaClients.connection(kafka);
    }

    private void run() {
        while (!stopping) {
            Map<String, Object> cp = warmwire.contracts.KafkaClients.groupConsumer(kafka, "warmwire-queue-retry",
                    "warmwire-retry-scheduler");
            cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
            Map<String, Object> pp = clientProps();
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORD_BYTES);
            pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            pp.put(ProducerConfig.CLIENT_ID_CONFIG, "warmwire-retry-scheduler");
            pp.keySet().removeIf(k -> k.startsWith("group.") || k.startsWith("auto.") || k.startsWith("enable.auto"));
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer());
                 KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                consumer = c;
                paused.clear();
                List<String> tiers = IntStream.rangeClosed(1, Topics.RETRY_TIERS).mapToObj(Topics::retry).toList();
                c.subscribe(tiers, new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                        parts.forEach(paused::remove);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    }
                });
                long seenEpoch = retryEpoch.get();
                while (!stopping) {
                    long epoch = retryEpoch.get();
                    if (epoch != seenEpoch) {
                        seenEpoch = epoch;
                        scanPausedPartitions(producer);
                        c.resume(paused.keySet());
                        paused.clear();
                    }
                    Instant now = clock.instant();
                    List<TopicPartition> ready = paused.entrySet().stream().filter(e -> !e.getValue().isAfter(now))
                            .map(Map.Entry::getKey).toList();
                    if (!ready.isEmpty()) {
                        c.resume(ready);
                        ready.forEach(paused::remove);
                    }
                    ConsumerRecords<String, String> recs = c.poll(pollTime(now));
                    if (!recs.isEmpty()) {
                        handle(c, producer, recs);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                LOG.errorf(e, "retry scheduler failed; uncommitted retry records will be read again; restarting in 5 s");
                sleep(5000);
            }
        }
    }

    private Duration pollTime(Instant now) {
        long ms = 500;
        for (Instant until : paused.values()) {
            ms = Math.min(ms, Math.max(1, Duration.between(now, until).toMillis()));
        }
        return Duration.ofMillis(ms);
    }

    private void handle(KafkaConsumer<String, String> c, KafkaProducer<String, String> producer,
                        ConsumerRecords<String, String> recs) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        Instant now = clock.instant();
        for (TopicPartition tp : recs.partitions()) {
            for (ConsumerRecord<String, String> r : recs.records(tp)) {
                if (forwardedEarly.remove(tp + "@" + r.offset())) {
                    commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    continue;
                }
                QueuedMessage m = read(r);
                if (m == null) {
                    commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    continue;
                }
                RetryDecision d = RetryDecision.of(m, Instant.ofEpochMilli(r.timestamp()), site(r), control::get, now);
                if (d instanceof RetryDecision.Wait w) {
                    c.seek(tp, r.offset());
                    c.pause(List.of(tp));
                    paused.put(tp, w.until());
                    break;
                }
                if (d instanceof RetryDecision.Forward f) {
                    sends.add(forward(producer, f.message()));
                } else if (d instanceof RetryDecision.Hold h) {
                    QueuedMessage again = h.message().retry(h.message().recipients(), h.message().attempt(),
                            now.plus(backoff.maximal()), h.message().delayNotified());
                    ProducerRecord<String, String> pr = new ProducerRecord<>(Topics.retry(Topics.RETRY_TIERS), m.id(),
                            mapper.writeValueAsString(again));
                    String site = site(r);
                    if (site != null) {
                        pr.headers().add(Topics.HEADER_SITE, site.getBytes(StandardCharsets.UTF_8));
                    }
                    sends.add(producer.send(pr));
                    LOG.infof("%s: held by the operator; next look at %s", m.id(), again.notBefore());
                } else if (d instanceof RetryDecision.Drop drop) {
                    LOG.infof("%s: dropped from the retry queue: %s", m.id(), drop.why());
                }
                commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
            }
        }
        for (Future<RecordMetadata> f : sends) {
            f.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // a failure restarts the loop: nothing committed
        }
        if (!commit.isEmpty()) {
            c.commitSync(commit);
        }
    }

    private Future<RecordMetadata> forward(KafkaProducer<String, String> producer, QueuedMessage m) throws Exception {
        forwarded.incrementAndGet();
        LOG.infof("%s: attempt %d of %d recipient(s) due: to mail.route", m.id(), m.attempt(), m.recipients().size());
        return producer.send(new ProducerRecord<>(Topics.ROUTE, m.id(), mapper.writeValueAsString(m)));
    }

    /** Forwards the records behind each paused head that a retry-now decision made due. */
    private void scanPausedPartitions(KafkaProducer<String, String> producer) throws Exception {
        if (paused.isEmpty()) {
            return;
        }
        Map<String, Object> cp = clientProps();
        cp.remove(ConsumerConfig.GROUP_ID_CONFIG);
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_RECORD_BYTES);
        cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "warmwire-retry-scan");
        cp.keySet().removeIf(k -> k.startsWith("group.") || k.startsWith("auto.") || k.startsWith("enable.auto"));
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Instant now = clock.instant();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaConsumer<String, String> scan = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>(paused.keySet());
            Map<TopicPartition, Long> heads = new HashMap<>();
            for (TopicPartition tp : parts) {
                heads.put(tp, consumer.position(tp));
            }
            scan.assign(parts);
            heads.forEach((tp, off) -> scan.seek(tp, off + 1)); // the head itself is judged again when resumed
            Map<TopicPartition, Long> end = scan.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> scan.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : scan.poll(Duration.ofMillis(200))) {
                    QueuedMessage m = read(r);
                    if (m == null) {
                        continue;
                    }
                    RetryDecision d = RetryDecision.of(m, Instant.ofEpochMilli(r.timestamp()), site(r), control::get, now);
                    if (d instanceof RetryDecision.Forward f) {
                        sends.add(forward(producer, f.message()));
                        forwardedEarly.add(new TopicPartition(r.topic(), r.partition()) + "@" + r.offset());
                    }
                }
            }
        }
        for (Future<RecordMetadata> f : sends) {
            f.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (!sends.isEmpty()) {
            LOG.infof("retry now: %d waiting message(s) forwarded ahead of their time", sends.size());
        }
    }

    private QueuedMessage read(ConsumerRecord<String, String> r) {
        try {
            QueuedMessage m = mapper.readValue(r.value(), QueuedMessage.class);
            if (m.id() == null || m.recipients() == null || m.recipients().isEmpty()) {
                throw new IllegalArgumentException("no id or recipients");
            }
            return m;
        } catch (Exception e) {
            LOG.errorf("unreadable record %s-%d@%d on a retry tier skipped: %s", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return null;
        }
    }

    private static String site(ConsumerRecord<String, String> r) {
        Header h = r.headers().lastHeader(Topics.HEADER_SITE);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
