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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.MailFrame;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.QueuedMessageCheck;
import warmwire.contracts.check.RecordLimits;
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
 *   Operator decisions come from mail.control ({@link OperatorDecisions}). A retry-now
 *   decision (message, site, all) makes matching records due at once: paused partitions are
 *   resumed, and the records behind each paused head are scanned by a second consumer (no
 *   group), which forwards the matching ones early and remembers their offsets so that the main
 *   consumer skips them when it gets there. That memory is lost on a restart; the record is then
 *   forwarded once more at its own time, as one more attempt of the same job id.
 *   Every record is judged by {@link QueuedMessageCheck} first; one that is not valid for a retry
 *   tier (a notBefore more than a year ahead included) goes to mail.internal.dlq with its
 *   reason before its offset is committed, and is counted.
 * FAR-FUTURE RECORDS
 *   Pausing at a head that is not due is right only while the head comes due no later than the
 *   records behind it: within the wait of its tier ({@link Backoff#tierWait}) after it was
 *   written. A head due later than that (written by other code, or before the backoff was
 *   shortened) pauses its partition at most until its tier's wait is over (plus
 *   {@value #SLACK_SECONDS} s); then it is written again at the end of the tier whose wait
 *   covers what is left of its time (the last tier when none does, to be looked at again one
 *   maximal backoff later), with its notBefore unchanged, and the partition goes on. The
 *   records behind it are thus never held more than the slack past their own time. A head
 *   stamped in the future is re-queued at once (its timestamp would stretch the wait).
 * CATCHING UP
 *   Nothing is forwarded before mail.control has been read to the end it had at start
 *   ({@link OperatorDecisions#caughtUp}): a deleted or held message is never forwarded because
 *   its decision was not read yet. The scheduler waits for that without a bound (logging every
 *   30 s); while Kafka is down the follower cannot catch up and no record is read or committed,
 *   so nothing is lost. That is also part of queue-service's readiness (ControlReadiness).
 */
@ApplicationScoped
public class RetryScheduler {
    private static final Logger LOG = Logger.getLogger(RetryScheduler.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    static final long SLACK_SECONDS = 5;

    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final QueueConfig config;
    private final Backoff backoff;
    private final Clock clock = Clock.systemUTC();
    private final Map<TopicPartition, Instant> paused = new HashMap<>();
    private final Set<String> forwardedEarly = ConcurrentHashMap.newKeySet();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private final RecordLimits limits;

    @Inject
    jakarta.enterprise.inject.Instance<warmwire.queue.QueueCounters> metrics;

    private final OperatorDecisions decisions;

    @Inject
    public RetryScheduler(ObjectMapper mapper, @Identifier("default-kafka-broker") Map<String, Object> kafka,
                          QueueConfig config, OperatorDecisions decisions) {
        this.mapper = mapper;
        this.decisions = decisions;
        this.kafka = kafka;
        this.config = config;
        this.backoff = new Backoff(config.queue().minimalBackoff(), config.queue().maximalBackoff());
        this.limits = new RecordLimits(config.intake().maxRecipients());
    }

    void onStart(@Observes StartupEvent ev) {
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
        KafkaConsumer<String, byte[]> c = consumer;
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

    /** Records forwarded to mail.route since start (metrics, tests). */
    public long forwarded() {
        return forwarded.get();
    }

    private void deadLettered(String topic) {
        if (metrics != null && metrics.isResolvable()) {
            metrics.get().deadLettered(topic);
        }
    }

    /** Waits until the follower has read mail.control to its end; false when stopping. */
    private boolean awaitControl() {
        long since = System.nanoTime();
        long logged = since;
        while (decisions.followed() && !decisions.caughtUp()) {
            if (stopping) {
                return false;
            }
            if (System.nanoTime() - logged > Duration.ofSeconds(30).toNanos()) {
                logged = System.nanoTime();
                LOG.warnf("retry scheduler waits for mail.control to be read to its end (%d s so far): nothing is "
                        + "forwarded before every operator decision is known", Duration.ofNanos(logged - since).toSeconds());
            }
            sleep(200);
        }
        return true;
    }

    private Map<String, Object> clientProps() {
        return warmwire.contracts.KafkaClients.connection(kafka);
    }

    private void run() {
        if (!awaitControl()) {
            return;
        }
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
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
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
                long seenEpoch = decisions.retryEpoch();
                while (!stopping) {
                    long epoch = decisions.retryEpoch();
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
                    ConsumerRecords<String, byte[]> recs = c.poll(pollTime(now));
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

    private void handle(KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer,
                        ConsumerRecords<String, byte[]> recs) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        Instant now = clock.instant();
        for (TopicPartition tp : recs.partitions()) {
            for (ConsumerRecord<String, byte[]> r : recs.records(tp)) {
                if (forwardedEarly.remove(tp + "@" + r.offset())) {
                    commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    continue;
                }
                Checked<QueuedMessage> checked = QueuedMessageCheck.check(r.value(), limits, now);
                if (!checked.isValid()) {
                    LOG.errorf("invalid record %s-%d@%d on a retry tier dead-lettered: %s", r.topic(), r.partition(),
                            r.offset(), checked.reason());
                    deadLettered(r.topic());
                    sends.add(producer.send(DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(),
                            r.offset(), r.key(), QueueConfig.SERVICE, checked.reason(), r.value(), now))));
                    commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    continue;
                }
                QueuedMessage m = checked.value();
                Instant scheduled = Instant.ofEpochMilli(r.timestamp());
                RetryDecision d = RetryDecision.of(m, scheduled, site(r), decisions::get, now);
                if (d instanceof RetryDecision.Wait w) {
                    Instant limit = scheduled.plus(backoff.tierWait(tier(r.topic()))).plusSeconds(SLACK_SECONDS);
                    boolean stampedAhead = scheduled.isAfter(now.plusSeconds(SLACK_SECONDS));
                    if (stampedAhead || (w.until().isAfter(limit) && !now.isBefore(limit))) {
                        sends.add(requeue(producer, r, m, w.until(), now));
                        commit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                        continue;
                    }
                    Instant until = w.until().isAfter(limit) ? limit : w.until();
                    c.seek(tp, r.offset());
                    c.pause(List.of(tp));
                    paused.put(tp, until);
                    break;
                }
                if (d instanceof RetryDecision.Forward f) {
                    sends.add(forward(producer, f.message()));
                } else if (d instanceof RetryDecision.Hold h) {
                    QueuedMessage again = h.message().retry(h.message().recipients(), h.message().attempt(),
                            now.plus(backoff.maximal()), h.message().delayNotified());
                    ProducerRecord<String, byte[]> pr = new ProducerRecord<>(Topics.retry(Topics.RETRY_TIERS), m.id(),
                            MailFrame.of(again, mapper.writer()));
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

    private Future<RecordMetadata> forward(KafkaProducer<String, byte[]> producer, QueuedMessage m) throws Exception {
        forwarded.incrementAndGet();
        LOG.infof("%s: attempt %d of %d recipient(s) due: to mail.route", m.id(), m.attempt(), m.recipients().size());
        return producer.send(new ProducerRecord<>(Topics.ROUTE, m.id(), MailFrame.of(m, mapper.writer())));
    }

    /**
     * A record due later than its tier's wait, written again at the end of the tier whose wait
     * covers what is left of its time (the last when none does), notBefore unchanged.
     */
    private Future<RecordMetadata> requeue(KafkaProducer<String, byte[]> producer, ConsumerRecord<String, byte[]> r,
                                           QueuedMessage m, Instant due, Instant now) throws Exception {
        Duration left = Duration.between(now, due);
        int tier = Topics.RETRY_TIERS;
        for (int t = 1; t <= Topics.RETRY_TIERS; t++) {
            if (backoff.tierWait(t).compareTo(left) >= 0) {
                tier = t;
                break;
            }
        }
        ProducerRecord<String, byte[]> pr = new ProducerRecord<>(Topics.retry(tier), m.id(), MailFrame.of(m, mapper.writer()));
        String site = site(r);
        if (site != null) {
            pr.headers().add(Topics.HEADER_SITE, site.getBytes(StandardCharsets.UTF_8));
        }
        LOG.infof("%s: due at %s, later than %s waits: re-queued to %s so that it holds nothing behind it", m.id(), due,
                r.topic(), pr.topic());
        return producer.send(pr);
    }

    /** The tier number of a retry topic (the last tier for a name that carries none). */
    static int tier(String topic) {
        try {
            return Integer.parseInt(topic.substring(Topics.RETRY_PREFIX.length()));
        } catch (RuntimeException e) {
            return Topics.RETRY_TIERS;
        }
    }

    /** Forwards the records behind each paused head that a retry-now decision made due. */
    private void scanPausedPartitions(KafkaProducer<String, byte[]> producer) throws Exception {
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
        try (KafkaConsumer<String, byte[]> scan = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
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
                for (ConsumerRecord<String, byte[]> r : scan.poll(Duration.ofMillis(200))) {
                    QueuedMessage m = read(r);
                    if (m == null) {
                        continue;
                    }
                    RetryDecision d = RetryDecision.of(m, Instant.ofEpochMilli(r.timestamp()), site(r), decisions::get, now);
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

    /** The valid message of a record, or null (the main loop dead-letters invalid ones when it gets there). */
    private QueuedMessage read(ConsumerRecord<String, byte[]> r) {
        Checked<QueuedMessage> c = QueuedMessageCheck.check(r.value(), limits, clock.instant());
        return c.isValid() ? c.value() : null;
    }

    private static String site(ConsumerRecord<String, byte[]> r) {
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
