package warmwire.contracts;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * NAME
 *   KafkaClients - the connection settings of a service's Kafka configuration, for the plain
 *   Kafka clients it makes itself.
 * DESCRIPTION
 *   Quarkus gives each service its Kafka settings as one map (bootstrap servers, security,
 *   timeouts, ...). The plain consumers and producers a service makes besides its SmallRye
 *   channels (the mail.control followers, the retry scheduler) take the client-level entries
 *   of it and set their own role: {@link #connection} leaves out serializers and
 *   deserializers, the group and the commit settings; {@link #groupConsumer} adds the settings
 *   every consumer loop of ours in a group shares (outcome loop, retry scheduler).
 */
public final class KafkaClients {
    private KafkaClients() {
    }

    /**
     * How long the broker holds a fetch that finds nothing (fetch.max.wait.ms): how often an idle
     * consumer asks. It delays nothing: a fetch is answered as soon as a record is there. Every
     * idle fetch costs the broker a request; at Kafka's 500 ms the mesh's dozen consumers were a
     * third of an idle broker's CPU.
     */
    public static final int IDLE_FETCH_WAIT_MS = 2000;

    /**
     * A group consumer's settings for a service's own plain consumer loop: the connection entries
     * of {@code kafka}, the group and client id, offsets committed by the loop only (no auto
     * commit), from the earliest record when the group has none, read_committed (the queue
     * service writes in transactions), records up to {@link Topics#MAX_RECORD_BYTES} and one
     * fetch of at most that much too (a backlog of large records - bodies ride in retry records
     * and outcomes - is read a few MiB at a time, never 50 MiB a poll: the services' heaps are
     * 256 MiB), and a 10 s
     * session timeout with heartbeats every 3 s as the services' channels have (a killed
     * instance's partitions move after 10 s, not Kafka's default 45 s), and a fetch held
     * {@link #IDLE_FETCH_WAIT_MS} when there is nothing to read. The caller adds its own poll size
     * and deserializers.
     */
    public static Map<String, Object> groupConsumer(Map<String, Object> kafka, String group, String clientId) {
        Map<String, Object> p = connection(kafka);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_RECORD_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_RECORD_BYTES);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        return p;
    }

    /** The entries of {@code kafka} that say how to reach and talk to the cluster. */
    public static Map<String, Object> connection(Map<String, Object> kafka) {
        Map<String, Object> p = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (k.contains(".") && !k.startsWith("key.") && !k.startsWith("value.") && !k.startsWith("group.")
                    && !k.startsWith("enable.auto") && !k.startsWith("auto.")) {
                p.put(k, v);
            }
        });
        return p;
    }
}
