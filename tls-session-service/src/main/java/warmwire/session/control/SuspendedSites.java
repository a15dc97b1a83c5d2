package warmwire.session.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;
import warmwire.contracts.control.ControlState;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   SuspendedSites - the sites an operator suspended, followed from mail.control.
 * DESCRIPTION
 *   Reads the compacted {@code mail.control} topic from the beginning, every partition, without
 *   a consumer group, on a thread of its own, and keeps the {@code site:<key>} decisions whose
 *   {@code suspended} is set. {@link #apply} answers a site key with the operator's reason (""
 *   when none was given) or null; a decision may name the whole site key or one of its MX hosts.
 *   Until the topic has been read to its end once, nothing counts as suspended (mail is never
 *   held back by a slow start); unreadable records are logged and skipped.
 */
@ApplicationScoped
public class SuspendedSites implements Function<String, String> {
    private static final Logger LOG = Logger.getLogger(SuspendedSites.class);

    private final Map<String, String> suspended = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final String topic;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean stopping;
    private final boolean enabled;
    private Thread thread;

    @Inject
    public SuspendedSites(ObjectMapper mapper, @Identifier("default-kafka-broker") Map<String, Object> kafka,
                          SessionConfig config) {
        this(mapper, kafka, config.session().controlTopic(), config.session().followControl());
    }

    public SuspendedSites(ObjectMapper mapper, Map<String, Object> kafka, String topic, boolean enabled) {
        this.mapper = mapper;
        this.kafka = kafka;
        this.topic = topic;
        this.enabled = enabled;
    }

    void onStart(@Observes StartupEvent ev) {
        if (!enabled) {
            LOG.info("operator decisions on mail.control are not followed (warmwire.session.follow-control=false)");
            return;
        }
        thread = new Thread(this::follow, "warmwire-control-follower");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        stopping = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public String apply(String siteKey) {
        if (suspended.isEmpty() || siteKey == null) {
            return null;
        }
        String why = suspended.get(siteKey);
        if (why != null) {
            return why;
        }
        int colon = siteKey.lastIndexOf(':');
        for (String host : (colon < 0 ? siteKey : siteKey.substring(0, colon)).split(",")) {
            why = suspended.get(host);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** The suspended sites (or MX hosts) and the operators' reasons. */
    public Map<String, String> list() {
        return Map.copyOf(suspended);
    }

    /** Applies one record of mail.control (public for tests). */
    public void apply(String key, String value) {
        if (key == null || !key.startsWith("site:")) {
            return;
        }
        String site = key.substring("site:".length());
        if (value == null) {
            suspended.remove(site);
            return;
        }
        try {
            ControlState s = mapper.readValue(value, ControlState.class);
            if (s.suspended()) {
                if (suspended.put(site, s.reason() == null ? "" : s.reason()) == null) {
                    LOG.warnf("site %s suspended by the operator%s", site, s.reason() == null ? "" : ": " + s.reason());
                }
            } else if (suspended.remove(site) != null) {
                LOG.infof("site %s resumed by the operator", site);
            }
        } catch (Exception e) {
            LOG.errorf("unreadable record on %s for %s skipped: %s", topic, key, e.getMessage());
        }
    }

    private void follow() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.keySet().removeIf(k -> !k.contains(".") || k.startsWith("key.") || k.startsWith("value.")
                || k.equals(ConsumerConfig.GROUP_ID_CONFIG));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "warmwire-control-follower");
        while (!stopping) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
                consumer = c;
                List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                while (!stopping) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(1))) {
                        apply(r.key(), r.value());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                LOG.warnf("following %s failed (%s); again in 5 s", topic, e.toString());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
