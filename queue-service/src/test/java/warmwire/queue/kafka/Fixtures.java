package warmwire.queue.kafka;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.commons.util.CloseableIterator;
import warmwire.queue.QueueConfig;
import warmwire.queue.index.QueueIndex;

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

    public static ConsumerRecord<String, String> record(String topic, int partition, long offset, long timestamp,
                                                        String key, String value) {
        return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1, key, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    /** A fake Infinispan cache: records putAllAsync calls, or fails every call. */
    public static final class Cache {
        public final List<Map<String, String>> putAlls = new ArrayList<>();
        public final RemoteCache<String, String> remote;

        @SuppressWarnings("unchecked")
        public Cache(boolean down) {
            remote = (RemoteCache<String, String>) Proxy.newProxyInstance(Fixtures.class.getClassLoader(),
                    new Class<?>[] {RemoteCache.class}, (proxy, method, args) -> {
                        if (down) {
                            throw new org.infinispan.client.hotrod.exceptions.TransportException("down", null);
                        }
                        if (method.getName().equals("putAllAsync")) {
                            putAlls.add(Map.copyOf((Map<String, String>) args[0]));
                            return CompletableFuture.completedFuture(null);
                        }
                        if (method.getName().endsWith("Async")) {
                            return CompletableFuture.completedFuture(null);
                        }
                        if (method.getName().equals("toString")) {
                            return "fake cache";
                        }
                        return null;
                    });
        }

        public QueueIndex index() {
            return new QueueIndex(remote, mapper(), config());
        }
    }

    /**
     * A queue-index cache over a map, for the tests that read back what was written:
     * {@code get}, {@code getAll}, {@code getAllAsync}, {@code putAllAsync} and
     * {@code retrieveEntries} work on {@link #store}; other calls answer null (or a completed
     * future for the async ones).
     */
    public static final class MapCache {
        public final Map<String, String> store = new HashMap<>();
        public final RemoteCache<String, String> remote;

        @SuppressWarnings("unchecked")
        public MapCache() {
            remote = (RemoteCache<String, String>) Proxy.newProxyInstance(Fixtures.class.getClassLoader(),
                    new Class<?>[] {RemoteCache.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "get" -> store.get(args[0]);
                        case "getAll" -> present((Set<?>) args[0]);
                        case "getAllAsync" -> CompletableFuture.completedFuture(present((Set<?>) args[0]));
                        case "putAllAsync" -> {
                            store.putAll((Map<String, String>) args[0]);
                            yield CompletableFuture.completedFuture(null);
                        }
                        case "retrieveEntries" -> {
                            Iterator<Map.Entry<Object, Object>> it = new HashMap<Object, Object>(store).entrySet().iterator();
                            yield new CloseableIterator<Map.Entry<Object, Object>>() {
                                public boolean hasNext() {
                                    return it.hasNext();
                                }

                                public Map.Entry<Object, Object> next() {
                                    return it.next();
                                }

                                public void close() {
                                }
                            };
                        }
                        case "toString" -> "map cache";
                        default -> m.getName().endsWith("Async") ? CompletableFuture.completedFuture(null) : null;
                    });
        }

        private Map<String, String> present(Set<?> keys) {
            Map<String, String> out = new HashMap<>();
            for (Object k : keys) {
                if (store.containsKey(k)) {
                    out.put((String) k, store.get(k));
                }
            }
            return out;
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
