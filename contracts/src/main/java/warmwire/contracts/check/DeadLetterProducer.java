package warmwire.contracts.check;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import warmwire.contracts.KafkaClients;
import warmwire.contracts.Topics;

/**
 * NAME
 *   DeadLetterProducer - writes {@link InternalDeadLetter}s to {@link Topics#INTERNAL_DLQ}.
 * DESCRIPTION
 *   A plain Kafka producer (acks=all, idempotent, the service's connection settings from
 *   {@link KafkaClients#connection}) made on first use, fed from one thread of its own:
 *   {@code send} can block for metadata and consumers call this from Vert.x event loops,
 *   which must never block. {@link #send} completes when the broker has the dead letter, or
 *   fails (after the producer's own retries, within 30 s). The record's key is the source
 *   record's key; header {@value Topics#HEADER_REJECT_REASON} repeats the reason.
 *   Used by the services whose consumers have no producer of their own at hand
 *   (delivery-service, tls-session-service, the mail.control followers); queue-service's
 *   outcome loop writes its dead letters in its own transaction instead ({@link #record}).
 */
public final class DeadLetterProducer implements AutoCloseable {
    private final Map<String, Object> props;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "warmwire-dead-letters");
        t.setDaemon(true);
        return t;
    });
    private Producer<String, byte[]> producer; // only on the sender thread

    public DeadLetterProducer(Map<String, Object> kafka, String clientId) {
        props = KafkaClients.connection(kafka);
        props.keySet().removeIf(k -> !ProducerConfig.configNames().contains(k));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    }

    /** The Kafka record of a dead letter. */
    public static ProducerRecord<String, byte[]> record(InternalDeadLetter d) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.INTERNAL_DLQ, d.key(), d.json());
        r.headers().add(Topics.HEADER_REJECT_REASON, d.reason().getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** The same record with a text value (producers with a String serializer). */
    public static ProducerRecord<String, String> textRecord(InternalDeadLetter d) {
        ProducerRecord<String, String> r = new ProducerRecord<>(Topics.INTERNAL_DLQ, d.key(), d.jsonText());
        r.headers().add(Topics.HEADER_REJECT_REASON, d.reason().getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** Writes {@code d}; completes when the broker acknowledged it, or with the failure. */
    public CompletableFuture<Void> send(InternalDeadLetter d) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                try {
                    if (producer == null) {
                        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                    }
                    producer.send(record(d), (meta, e) -> {
                        if (e == null) {
                            done.complete(null);
                        } else {
                            done.completeExceptionally(e);
                        }
                    });
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new IllegalStateException("dead-letter producer is closed"));
        }
        return done;
    }

    @Override
    public void close() {
        sender.execute(() -> {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        });
        sender.shutdown();
    }
}
