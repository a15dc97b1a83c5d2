package warmwire.session.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Map;

/**
 * NAME
 *   OutcomeConfig - where and how outcomes are published, prefix {@code warmwire.outcome}.
 * DESCRIPTION
 *   {@code topic}: the outcome topic (mail.outcome). {@code producer.*}: Kafka producer
 *   settings of the one shared producer, on top of the {@code kafka.*} keys every Kafka
 *   client of this service gets (bootstrap servers, security); e.g.
 *   {@code warmwire.outcome.producer."linger.ms"=10}. {@code acks} is always {@code all}
 *   and the serializers are fixed (String key = message id, UTF-8 JSON value).
 *   {@code close-timeout}: how long stopping waits for the broker to acknowledge the last
 *   outcomes (their jobs stay uncommitted otherwise, and are delivered again).
 */
@ConfigMapping(prefix = "warmwire.outcome")
public interface OutcomeConfig {

    @WithDefault("mail.outcome")
    String topic();

    @WithName("close-timeout")
    @WithDefault("10s")
    Duration closeTimeout();

    /** Kafka producer settings (ProducerConfig names). */
    Map<String, String> producer();
}
