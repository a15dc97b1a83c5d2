package warmwire.session.deadletter;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.session.metrics.SessionMetrics;

/**
 * NAME
 *   DeadLetters - tls-session-service's writer of mail.internal.dlq.
 * DESCRIPTION
 *   A job of mail.deliver or a decision of mail.control that is not valid for its topic is
 *   written here with its reason ({@link DeadLetterProducer}, producer made on first use) and
 *   counted ({@code warmwire_records_dead_lettered_total{topic,service="tls-session-service"}}).
 *   {@link #write} completes when the broker has the dead letter, and also when it failed
 *   (logged at ERROR with the record's position): an invalid record is never delivered, so its
 *   consumer acknowledges it either way rather than stall its partition.
 */
@Singleton
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    public static final String SERVICE = "tls-session-service";

    private final DeadLetterProducer producer;
    private final SessionMetrics metrics;

    @Inject
    public DeadLetters(@Identifier("default-kafka-broker") Map<String, Object> kafka, SessionMetrics metrics) {
        this(new DeadLetterProducer(kafka, "warmwire-session-dlq"), metrics);
    }

    DeadLetters(DeadLetterProducer producer, SessionMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
    }

    /** Writes the dead letter of the record at {@code topic}/{@code partition}@{@code offset}; never fails. */
    public CompletionStage<Void> write(String topic, int partition, long offset, String key, String reason, byte[] value) {
        LOG.errorf("invalid record on %s %d@%d dead-lettered: %s", topic, partition, offset,
                warmwire.contracts.text.BoundedText.escape(reason));
        if (metrics != null) {
            metrics.deadLettered(topic);
        }
        CompletableFuture<Void> written = producer == null ? CompletableFuture.completedFuture(null)
                : producer.send(InternalDeadLetter.of(topic, partition, offset, key, SERVICE, reason, value, Instant.now()));
        return written.handle((v, e) -> {
            if (e != null) {
                LOG.errorf("dead letter of %s %d@%d not written (%s): the record is skipped all the same", topic,
                        partition, offset, e.toString());
            }
            return null;
        });
    }

    /**
     * Logs and counts the dead letter of the record at {@code topic}/{@code partition}@{@code
     * offset} that the caller writes itself (in its own transaction).
     */
    public void counted(String topic, int partition, long offset, String reason) {
        LOG.errorf("invalid record on %s %d@%d dead-lettered: %s", topic, partition, offset,
                warmwire.contracts.text.BoundedText.escape(reason));
        if (metrics != null) {
            metrics.deadLettered(topic);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (producer != null) {
            producer.close();
        }
    }
}
