package warmwire.contracts;

import java.time.Duration;
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
     * 256 MiB), a {@link #SESSION_TIMEOUT} of 10 s with heartbeats every 3 s as the services'
     * channels have (a killed instance's partitions move after 10 s, not Kafka's default 45 s;
     * {@link #sessionTimeout} sets another), and a fetch held
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
        sessionTimeout(p, SESSION_TIMEOUT);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        return p;
    }

    /** A group consumer's session timeout unless its service configures another. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** The broker's default bounds of a session timeout (group.min/max.session.timeout.ms); a join outside is refused. */
    public static final Duration MIN_SESSION_TIMEOUT = Duration.ofSeconds(6);
    public static final Duration MAX_SESSION_TIMEOUT = Duration.ofMinutes(30);
    /** The heartbeat of a group consumer: every 3 s, or a third of a shorter session timeout. */
    static final long MAX_HEARTBEAT_MS = 3_000;

    /**
     * Sets a group consumer's session timeout (how long the group waits for a member that has
     * stopped heartbeating before its partitions go to others) and its heartbeat interval: every
     * 3 s, or a third of the timeout when that is shorter, so that a member is dropped only after
     * it has missed at least two. Throws when the timeout is outside the broker's default bounds
     * ({@link #MIN_SESSION_TIMEOUT}..{@link #MAX_SESSION_TIMEOUT}): the broker would refuse the
     * member's join, and the consumer would fail at every poll instead of at start.
     */
    public static Map<String, Object> sessionTimeout(Map<String, Object> p, Duration timeout) {
        checkSessionTimeout("a group consumer's session timeout", timeout);
        long ms = timeout.toMillis();
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) ms);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.min(MAX_HEARTBEAT_MS, ms / 3));
        return p;
    }

    /** Throws an IllegalArgumentException naming {@code what} when {@code timeout} is outside the broker's default bounds. */
    public static void checkSessionTimeout(String what, Duration timeout) {
        if (timeout.compareTo(MIN_SESSION_TIMEOUT) < 0 || timeout.compareTo(MAX_SESSION_TIMEOUT) > 0) {
            throw new IllegalArgumentException(what + " is " + timeout + ": it must lie from " + MIN_SESSION_TIMEOUT
                    + " to " + MAX_SESSION_TIMEOUT + " (the broker's default group.min.session.timeout.ms and"
                    + " group.max.session.timeout.ms), or the broker refuses the member");
        }
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
