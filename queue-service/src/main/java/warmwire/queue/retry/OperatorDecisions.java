package warmwire.queue.retry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.follow.ControlFollower;
import warmwire.queue.QueueConfig;
import warmwire.queue.QueueCounters;

/**
 * NAME
 *   OperatorDecisions - the operators' decisions in force, followed from mail.control.
 * DESCRIPTION
 *   A {@link ControlFollower} reads the compacted mail.control topic from the beginning (when
 *   {@code warmwire.queue.follow-control}); each valid record sets or (tombstone) clears the
 *   decision of its key (all, message:<id>, site:<site>); an invalid one goes to
 *   mail.internal.dlq with its reason, best effort, and is counted. {@link #caughtUp} tells
 *   whether every decision present at start has been read: the retry scheduler forwards
 *   nothing before, and it is part of queue-service's readiness. {@link #retryEpoch} grows with
 *   every new retry-now request, so the scheduler can tell that paused partitions must be looked
 *   at again.
 */
@ApplicationScoped
public class OperatorDecisions {
    private static final Logger LOG = Logger.getLogger(OperatorDecisions.class);

    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final QueueConfig config;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, ControlState> decisions = new ConcurrentHashMap<>();
    private final AtomicLong retryEpoch = new AtomicLong();
    private volatile ControlFollower follower;
    private volatile DeadLetterProducer deadLetters;

    @Inject
    jakarta.enterprise.inject.Instance<QueueCounters> counters;

    @Inject
    public OperatorDecisions(ObjectMapper mapper, @Identifier("default-kafka-broker") Map<String, Object> kafka,
                             QueueConfig config) {
        this.mapper = mapper;
        this.kafka = kafka;
        this.config = config;
    }

    void onStart(@Observes StartupEvent ev) {
        if (config.queue().followControl()) {
            follower = new ControlFollower(kafka, Topics.CONTROL, "warmwire-queue-control", this::apply,
                    this::deadLetter).start();
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (follower != null) {
            follower.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /** The operator's decision in force for a key of mail.control, or null. */
    public ControlState get(String key) {
        return decisions.get(key);
    }

    /** The keys with a decision in force. */
    public Set<String> keys() {
        return Set.copyOf(decisions.keySet());
    }

    /** Whether decisions are followed at all ({@code warmwire.queue.follow-control}; known before startup ends). */
    public boolean followed() {
        return config.queue().followControl();
    }

    /** Whether every decision on mail.control at start has been read (false when not followed). */
    public boolean caughtUp() {
        ControlFollower f = follower;
        return f != null && f.caughtUp();
    }

    /** Grows with every new retry-now request. */
    public long retryEpoch() {
        return retryEpoch.get();
    }

    /** One record of mail.control, already checked ({@code value} null: a tombstone). */
    void apply(String key, String value) {
        if (key == null) {
            return;
        }
        if (value == null) {
            decisions.remove(key);
            return;
        }
        try {
            ControlState s = mapper.readValue(value, ControlState.class);
            ControlState before = decisions.put(key, s);
            if (s.retryRequestedAt() != null && (before == null || !s.retryRequestedAt().equals(before.retryRequestedAt()))) {
                retryEpoch.incrementAndGet();
            }
        } catch (Exception e) {
            LOG.errorf("unreadable record on %s for %s skipped: %s", Topics.CONTROL, key, e.getMessage());
        }
    }

    /** An invalid mail.control record: to mail.internal.dlq (best effort: the follower never waits). */
    private void deadLetter(ConsumerRecord<String, String> r, String reason) {
        DeadLetterProducer p = deadLetters;
        if (p == null) {
            synchronized (this) {
                if (deadLetters == null) {
                    deadLetters = new DeadLetterProducer(kafka, "warmwire-queue-control-dlq");
                }
                p = deadLetters;
            }
        }
        if (counters != null && counters.isResolvable()) {
            counters.get().deadLettered(r.topic());
        }
        p.send(InternalDeadLetter.of(r.topic(), r.partition(), r.offset(), r.key(), QueueConfig.SERVICE, reason,
                r.value(), clock.instant())).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.errorf("dead letter of %s-%d@%d not written (%s); the record stays skipped", r.topic(),
                                r.partition(), r.offset(), e.toString());
                    }
                });
    }
}
