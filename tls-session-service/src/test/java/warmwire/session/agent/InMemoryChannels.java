package warmwire.session.agent;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/**
 * Switches the deliver channel to SmallRye's in-memory connector and shortens SMTP timeouts.
 * Outcomes go through {@link MockOutcomePublisher} (no outgoing channel: the service uses a
 * Kafka producer directly).
 */
public class InMemoryChannels implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> env = new HashMap<>();
        env.putAll(InMemoryConnector.switchIncomingChannelsToInMemory("deliver"));
        env.put("warmwire.smtp.timeouts.greeting", "3s");
        env.put("warmwire.smtp.timeouts.connect", "3s");
        env.put("warmwire.smtp.helo-name", "client.test");
        return env;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
