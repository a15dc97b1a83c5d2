package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryLoopSetupTest {
    @Test
    void theDeliveryLoopsConsumerIsAStaticMemberWithTheConfiguredSessionTimeoutAndFetchWait() {
        Map<String, Object> p = DeliveryLoopSetup.consumerSettings(Map.of("bootstrap.servers", "127.0.0.1:9092"), "host-8083",
                Duration.ofSeconds(2), Duration.ofSeconds(45));
        assertEquals("warmwire-tls-session", p.get("group.id"));
        assertEquals("host-8083", p.get("group.instance.id"));
        assertEquals("warmwire-deliver-host-8083", p.get("client.id"));
        assertEquals(45_000, p.get("session.timeout.ms"));
        assertEquals(3_000, p.get("heartbeat.interval.ms"));
        assertEquals(2_000, p.get("fetch.max.wait.ms"));
        assertEquals("read_committed", p.get("isolation.level"));
    }
}
