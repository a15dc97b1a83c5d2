package warmwire.queue.kafka;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * NAME
 *   QueueProducer - one shared Kafka producer for intake and outcome records.
 * DESCRIPTION
 *   A plain {@link KafkaProducer} (thread safe, one per process) writes every record the
 *   record paths cause - mail.route, mail.submit.dlq, mail.events, mail.retry.N - with the
 *   topic, key and headers set per record. {@link #sendAll} hands a poll's worth of records to
 *   the producer at once and completes when the broker acknowledged every one of them, or
 *   fails with the first error; the caller acknowledges its input batch only on success.
 *   Settings fixed here, because mail must not be lost or duplicated by the client itself:
 *   acks=all, enable.idempotence=true, retries unbounded within delivery.timeout.ms,
 *   max.in.flight.requests.per.connection=5 (the idempotent maximum that keeps order).
 *   Tunable ({@link ProducerSettings}): linger, batch size, compression, request size,
 *   buffer memory, delivery timeout.
 *   Why not SmallRye emitters or KafkaClientService#getProducer: an emitter costs a Message,
 *   a Uni and a hand-off per record (78 % of queue-service's CPU in the profile), and the
 *   channel producer of KafkaClientService sends on its own sending thread through a Uni per
 *   record and is bound to one channel's topic and serializer configuration. The plain client
 *   is the supported Kafka API underneath both, in the Quarkus 3.33.2 BOM (kafka-clients 4.1).
 */
@ApplicationScoped
public class QueueProducer {
    private final Producer<String, byte[]> producer;

    @Inject
    public QueueProducer(ProducerSettings settings,
                         @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        this(new KafkaProducer<>(properties(settings, bootstrap), new StringSerializer(), new ByteArraySerializer()));
    }

    /** With a given producer (tests: {@code MockProducer}). */
    public QueueProducer(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /** The settings of this producer; the transactional outcome producers start from them too. */
    public static Map<String, Object> properties(ProducerSettings s, String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "warmwire-queue");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.LINGER_MS_CONFIG, (int) s.linger().toMillis());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, s.batchSize());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, s.compression());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, s.maxRequestSize());
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, s.bufferMemory());
        long delivery = s.deliveryTimeout().toMillis();
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
        // delivery.timeout.ms must be >= linger.ms + request.timeout.ms
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, delivery - s.linger().toMillis()));
        return p;
    }

    /**
     * Sends all records; the result completes normally when the broker acknowledged all of
     * them (an empty list completes at once) and exceptionally with the first failure. A record
     * the producer refuses at once (too large, buffer wait timed out, closed) fails it too.
     */
    public CompletableFuture<Void> sendAll(List<ProducerRecord<String, byte[]>> records) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (records.isEmpty()) {
            all.complete(null);
            return all;
        }
        AtomicInteger pending = new AtomicInteger(records.size());
        Callback done = (meta, error) -> {
            if (error != null) {
                all.completeExceptionally(error);
            } else if (pending.decrementAndGet() == 0) {
                all.complete(null);
            }
        };
        for (ProducerRecord<String, byte[]> r : records) {
            try {
                producer.send(r, done);
            } catch (RuntimeException e) {
                all.completeExceptionally(e);
                break;
            }
        }
        return all;
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
