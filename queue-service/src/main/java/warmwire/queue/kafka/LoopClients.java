package warmwire.queue.kafka;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import warmwire.contracts.KafkaClients;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   LoopClients - the Kafka clients of queue-service's consume-transform-produce loop (outcomes).
 * DESCRIPTION
 *   {@link #consumer}: a group consumer ({@link KafkaClients#groupConsumer}: read_committed, no
 *   auto commit, 10 s session timeout) with the loop's poll size. {@link #producer}: a
 *   transactional producer with the producers' settings ({@link QueueProducer#properties}:
 *   acks=all, idempotence, {@code warmwire.producer.*}), the given transactional id, and
 *   {@code warmwire.outcome.transaction-timeout} as both the broker's transaction timeout and the
 *   longest a producer call may block (broker down: the loop starts over with a new producer).
 */
@ApplicationScoped
public class LoopClients {
    @Inject
    QueueConfig config;

    @Inject
    ProducerSettings producerSettings;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    /** Values as text (mail.outcome). */
    public KafkaConsumer<String, String> consumer(String group, String clientId, int maxPollRecords) {
        Map<String, Object> p = KafkaClients.groupConsumer(kafka, group, clientId);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    public KafkaProducer<String, byte[]> producer(String transactionalId) {
        Map<String, Object> p = KafkaClients.connection(kafka);
        p.putAll(QueueProducer.properties(producerSettings, String.valueOf(kafka.get("bootstrap.servers"))));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        int timeout = (int) config.outcome().transactionTimeout().toMillis();
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeout);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
