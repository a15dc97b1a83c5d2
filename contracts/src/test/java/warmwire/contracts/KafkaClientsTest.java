package warmwire.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {
    @Test
    void keepsConnectionSettingsOnly() {
        Map<String, Object> kafka = Map.of("bootstrap.servers", "127.0.0.1:9092", "security.protocol", "SSL",
                "key.deserializer", "x", "value.serializer", "y", "group.id", "g", "group.instance.id", "i",
                "enable.auto.commit", "true", "auto.offset.reset", "latest", "plain", "no dot");
        assertEquals(Map.of("bootstrap.servers", "127.0.0.1:9092", "security.protocol", "SSL"), KafkaClients.connection(kafka));
    }

    @Test
    void aGroupConsumerCommitsItselfReadsCommittedAndLeavesAKilledMemberAfterTenSeconds() {
        Map<String, Object> p = KafkaClients.groupConsumer(Map.of("bootstrap.servers", "127.0.0.1:9092",
                "group.id", "channel-group", "enable.auto.commit", "true"), "loop-group", "loop-1");
        assertEquals(Map.ofEntries(Map.entry("bootstrap.servers", "127.0.0.1:9092"), Map.entry("group.id", "loop-group"),
                Map.entry("client.id", "loop-1"), Map.entry("enable.auto.commit", "false"),
                Map.entry("auto.offset.reset", "earliest"), Map.entry("isolation.level", "read_committed"),
                Map.entry("max.partition.fetch.bytes", Topics.MAX_RECORD_BYTES),
                Map.entry("fetch.max.bytes", Topics.MAX_RECORD_BYTES), Map.entry("session.timeout.ms", 10_000),
                Map.entry("heartbeat.interval.ms", 3_000), Map.entry("fetch.max.wait.ms", KafkaClients.IDLE_FETCH_WAIT_MS)), p);
    }

    @Test
    void aLongerSessionTimeoutKeepsTheThreeSecondHeartbeatAndAShorterOneBeatsThricePerTimeout() {
        Map<String, Object> p = KafkaClients.sessionTimeout(new HashMap<>(), Duration.ofSeconds(60));
        assertEquals(Map.of("session.timeout.ms", 60_000, "heartbeat.interval.ms", 3_000), p);
        p = KafkaClients.sessionTimeout(new HashMap<>(), Duration.ofSeconds(6));
        assertEquals(Map.of("session.timeout.ms", 6_000, "heartbeat.interval.ms", 2_000), p);
        p = KafkaClients.sessionTimeout(new HashMap<>(), Duration.ofMinutes(30));
        assertEquals(Map.of("session.timeout.ms", 1_800_000, "heartbeat.interval.ms", 3_000), p);
    }

    @Test
    void aSessionTimeoutTheBrokerWouldRefuseFailsAtOnceAndNamesTheSetting() {
        IllegalArgumentException short_ = assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.checkSessionTimeout("warmwire.x", Duration.ofMillis(5_999)));
        assertTrue(short_.getMessage().startsWith("warmwire.x is PT5.999S"), short_.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.sessionTimeout(new HashMap<>(), Duration.ofMinutes(30).plusMillis(1)));
    }
}
