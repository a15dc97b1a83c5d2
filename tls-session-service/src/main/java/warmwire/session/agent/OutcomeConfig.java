package warmwire.session.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Map;

/**
 * NAME
 *   OutcomeConfig - where and how outcomes are published, prefix {@code warmwire.outcome}.
 * DESCRIPTION
 *   {@code topic}: the outcome topic (mail.outcome). {@code producer.*}: Kafka producer
 *   settings of the delivery loop's transactional producer, on top of the {@code kafka.*} keys
 *   every Kafka client of this service gets (bootstrap servers, security); e.g.
 *   {@code warmwire.outcome.producer."linger.ms"=5}. acks=all, idempotence, the transactional
 *   id and the serializers are fixed ({@link DeliveryLoopSetup}). {@code publish-delivered}
 *   (true): a first attempt delivered to every recipient publishes its events itself
 *   ({@link OutcomeRecords}).
 */
@ConfigMapping(prefix = "warmwire.outcome")
public interface OutcomeConfig {

    @WithDefault("mail.outcome")
    String topic();

    /** Kafka producer settings (ProducerConfig names). */
    Map<String, String> producer();

    /**
     * Whether a first attempt delivered to every recipient publishes its events here
     * ({@link OutcomeRecords}); false: every outcome goes to {@link #topic} for queue-service.
     */
    @WithName("publish-delivered")
    @WithDefault("true")
    boolean publishDelivered();
}
