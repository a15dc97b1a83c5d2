package warmwire.session.agent;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * NAME
 *   OutcomePublisher - one Kafka producer for mail.outcome, fed by one sending thread.
 * DESCRIPTION
 *   {@link #publish} queues a record (key = message id, value = the outcome's UTF-8 JSON) and
 *   returns at once; {@code done} is then called exactly once: with {@code null} when the
 *   broker has acknowledged the record (acks=all, idempotent producer), or with the exception
 *   when the producer gave up (after its retries, {@code delivery.timeout.ms}), the record was
 *   refused (too large) or the publisher is closed. It runs on the producer's I/O thread (or
 *   the sending thread): keep it short.
 *   Records go to the producer from one thread of their own because {@code Producer.send} can
 *   block (waiting for the topic's metadata, up to {@code max.block.ms}, or for buffer
 *   space), and outcomes are published from Vert.x event loops, which must never block. The
 *   thread takes whatever has queued up in one go, so a burst costs one wake-up. The queue
 *   needs no bound of its own: every queued record holds its job's in-flight slot
 *   ({@link InFlightLimit}), so it is bounded by max-in-flight / max-in-flight-bytes.
 *   This replaces a SmallRye emitter per outcome: no Message, Mutiny pipeline or executor
 *   hop per record, and the producer is shared by all jobs.
 *   {@link #close} (at stop, after the SMTP side has stopped) sends what is queued and waits
 *   up to {@code close-timeout} for the broker; later records fail at once (their jobs stay
 *   uncommitted and are delivered again).
 */
@Singleton
public class OutcomePublisher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OutcomePublisher.class);
    private static final Pending STOP = new Pending(null, null, null);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Duration closeTimeout;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private volatile boolean closed;

    @Inject
    public OutcomePublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka, OutcomeConfig config) {
        this(new KafkaProducer<>(settings(kafka, config.producer()), new StringSerializer(), new ByteArraySerializer()),
                config.topic(), config.closeTimeout());
        LOG.infof("outcomes to %s: acks=all, idempotence=%s, linger.ms=%s, batch.size=%s",
                topic, config.producer().getOrDefault(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                config.producer().getOrDefault(ProducerConfig.LINGER_MS_CONFIG, "(client default)"),
                config.producer().getOrDefault(ProducerConfig.BATCH_SIZE_CONFIG, "(client default)"));
    }

    /** A publisher over {@code producer} (tests: a MockProducer), which it closes. */
    OutcomePublisher(Producer<String, byte[]> producer, String topic, Duration closeTimeout) {
        this.producer = producer;
        this.topic = topic;
        this.closeTimeout = closeTimeout;
        this.sender = new Thread(this::run, "warmwire-outcome-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * The producer's settings: the service-wide {@code kafka.*} keys the producer knows, then the
     * outcome producer's own; acks is always all (a job is committed only after its outcome is
     * on every in-sync replica).
     */
    static Map<String, Object> settings(Map<String, Object> kafka, Map<String, String> own) {
        Map<String, Object> p = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.putAll(own);
        Object acks = p.put(ProducerConfig.ACKS_CONFIG, "all");
        if (acks != null && !"all".equals(acks) && !"-1".equals(acks)) {
            LOG.warnf("acks=%s ignored for mail.outcome: acks=all is required (a job is committed after its outcome)", acks);
        }
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "warmwire-session-outcome");
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return p;
    }

    /** Publishes {@code value} keyed by {@code key}; {@code done} gets null once the broker has it, else the failure. */
    public void publish(String key, byte[] value, Callback done) {
        Pending p = new Pending(key, value, done);
        if (closed) {
            p.onCompletion(null, new IllegalStateException("outcome publisher is closed"));
            return;
        }
        queue.add(p);
        if (closed && queue.remove(p)) {
            // close() ran between the check and the add: it may have drained the queue already.
            p.onCompletion(null, new IllegalStateException("outcome publisher is closed"));
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch);
                for (int i = 0; i < batch.size(); i++) {
                    Pending p = batch.get(i);
                    if (p == STOP) {
                        // Published while closing: failed, never left hanging. (Those before STOP
                        // were sent and get the producer's answer.)
                        for (Pending late : batch.subList(i + 1, batch.size())) {
                            late.onCompletion(null, new IllegalStateException("outcome publisher is closed"));
                        }
                        return;
                    }
                    send(p);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() fails what is still queued
        }
    }

    private void send(Pending p) {
        try {
            producer.send(new ProducerRecord<>(topic, p.key, p.value), p);
        } catch (RuntimeException e) {
            // Closed producer, interrupted, serializer or configuration error: send threw
            // instead of calling back (it calls back itself for ApiExceptions).
            p.onCompletion(null, e);
        }
    }

    /**
     * At stop, after the deliveries' own stop ({@link DeliveryAgent}, default priority): the
     * outcomes of the jobs that finished are sent and acknowledged while the consumer is still
     * open, so the throttled strategy commits them when the partitions are revoked at its close.
     */
    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) ShutdownEvent ev) {
        close();
    }

    @PreDestroy
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long end = System.nanoTime() + closeTimeout.toNanos();
        queue.add(STOP);
        try {
            sender.join(Math.max(1, closeTimeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            if (p != STOP) {
                p.onCompletion(null, new IllegalStateException("outcome publisher is closed"));
            }
        }
        try {
            producer.close(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
        } catch (RuntimeException e) {
            LOG.warnf("closing the outcome producer: %s", e.toString());
        }
    }

    /** One outcome on its way; calls {@code done} at most once whatever the producer does. */
    private static final class Pending implements Callback {
        final String key;
        final byte[] value;
        private final Callback done;
        private final AtomicBoolean called = new AtomicBoolean();

        Pending(String key, byte[] value, Callback done) {
            this.key = key;
            this.value = value;
            this.done = done;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception failure) {
            if (done != null && called.compareAndSet(false, true)) {
                try {
                    done.onCompletion(metadata, failure);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "outcome callback for %s failed", key);
                }
            }
        }
    }
}
