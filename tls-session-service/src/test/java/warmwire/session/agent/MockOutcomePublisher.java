package warmwire.session.agent;

import io.quarkus.test.Mock;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real {@link OutcomePublisher} (queue, sending thread, callbacks) over Kafka's MockProducer
 * instead of a broker, for the Quarkus tests: every send is acknowledged at once and kept in
 * {@link #PRODUCER}'s history. Topic and close timeout from {@link OutcomeConfig}.
 */
@Mock
@Singleton
public class MockOutcomePublisher extends OutcomePublisher {
    public static final MockProducer<String, byte[]> PRODUCER =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());

    @Inject
    public MockOutcomePublisher(OutcomeConfig config) {
        super(PRODUCER, config.topic(), config.closeTimeout());
    }
}
