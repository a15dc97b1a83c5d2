package warmwire.contracts;

import java.util.HashMap;
import java.util.Map;

/**
 * NAME
 *   KafkaClients - the connection settings of a service's Kafka configuration, for the plain
 *   Kafka clients it makes itself.
 * DESCRIPTION
 *   Quarkus gives each service its Kafka settings as one map (bootstrap servers, security,
 *   timeouts, ...). The plain consumers and producers a service makes besides its SmallRye
 *   channels (the mail.control followers, the retry scheduler) take the client-level entries
 *   of it and set their own role: {@link #connection} leaves out serializers and
 *   deserializers, the group and the commit settings.
 */
public final class KafkaClients {
    private KafkaClients() {
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
