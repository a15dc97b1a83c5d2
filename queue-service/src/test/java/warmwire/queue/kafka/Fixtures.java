package warmwire.queue.kafka;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;
import warmwire.testing.FakeRemoteCache;

/**
 * NAME
 *   Fixtures - what the record-path tests build their subjects from, without Kafka or Infinispan.
 * DESCRIPTION
 *   An ObjectMapper configured as Quarkus configures its own (ISO instants, unknown properties
 *   ignored), QueueConfig with the defaults of its mapping, a queue index over a recording fake
 *   cache, a MockProducer that completes only when the test says so, and a batch message that
 *   counts its acks and nacks.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper().registerModule(new JavaTimeModule()).registerModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public static QueueConfig config() {
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(QueueConfig.class)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .build();
        return c.getConfigMapping(QueueConfig.class);
    }

    public static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    }

    /** The message of a mail.route or retry-tier value (framed: the envelope, then the body). */
    public static warmwire.contracts.mail.QueuedMessage queued(byte[] value) {
        var c = warmwire.contracts.check.QueuedMessageCheck.check(value, warmwire.contracts.check.RecordLimits.DEFAULT,
                java.time.Instant.now());
        if (!c.isValid()) {
            throw new AssertionError("not a queued message: " + c.reason());
        }
        return c.value();
    }

    /** A record value as text. */
    public static String text(byte[] value) {
        return value == null ? null : new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static <V> ConsumerRecord<String, V> record(String topic, int partition, long offset, long timestamp,
                                                       String key, V value) {
        return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1, key, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    /**
     * A fake queue-index cache, the shared {@link FakeRemoteCache}: reads see what was written
     * ({@link #store}); {@code down}: every call fails as with an unreachable server.
     */
    public static final class Cache {
        public final FakeRemoteCache fake = new FakeRemoteCache();
        public final RemoteCache<String, String> remote = fake.remote();
        public final Map<String, String> store = fake.store;

        public Cache() {
            this(false);
        }

        public Cache(boolean down) {
            fake.down(down);
        }

        /** The maps of the putAllAsync calls so far, in order. */
        @SuppressWarnings("unchecked")
        public List<Map<String, String>> putAlls() {
            return fake.calls("putAllAsync").stream().map(a -> Map.copyOf((Map<String, String>) a[0])).toList();
        }

        public QueueIndex index() {
            return new QueueIndex(remote, mapper(), config());
        }
    }

    /** A message standing for a consumed batch: counts acks and nacks. */
    public static final class Acks {
        public final AtomicInteger acks = new AtomicInteger();
        public final AtomicInteger nacks = new AtomicInteger();
        public volatile Throwable reason;
        public final Message<List<String>> message = Message.of(List.of(), () -> {
            acks.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }, t -> {
            nacks.incrementAndGet();
            reason = t;
            return CompletableFuture.completedFuture(null);
        });
    }
}
