package warmwire.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
