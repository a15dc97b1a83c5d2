package warmwire.queue.outcome;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.pipeline.InFlightLimit;
import warmwire.queue.QueueConfig;
import warmwire.queue.kafka.LoopClients;

/**
 * NAME
 *   OutcomeLoop - runs the mail.outcome hop: {@link ExactlyOnceLoop}s over the {@link OutcomeReporter}.
 * DESCRIPTION
 *   {@code warmwire.outcome.consumers} loops (1), each a plain consumer in the group
 *   {@value #GROUP} and a transactional producer of its own ({@code <transactional-id>-<n>}),
 *   on a thread of its own. What a poll's outcomes cause (events, retry-tier records, DSNs,
 *   dead letters) waits at most {@code warmwire.outcome.commit-interval} for the Kafka
 *   transaction that commits it with mail.outcome's commit points, so each reaches mail.events,
 *   mail.route and mail.retry.N exactly once for read_committed readers, across a kill -9 of
 *   this service or of the broker; once committed, the final events are marked
 *   ({@link FinalEvents}). A failed transaction is aborted or its producer replaced (which aborts
 *   it, or completes a commit already decided: the commit points say which), a fenced producer
 *   makes the loop start over with new clients; uncommitted outcomes are read again.
 *   The id is stable per instance (host and HTTP port by default) so that a restarted instance
 *   aborts its predecessor's open transaction at once instead of readers waiting out the
 *   transaction timeout. Before the pipeline module, this class held its own loop per poll: one
 *   transaction per poll, however small, and two threads each doing so.
 */
@ApplicationScoped
public class OutcomeLoop {
    private static final Logger LOG = Logger.getLogger(OutcomeLoop.class);
    static final String GROUP = "warmwire-queue-outcome";

    private final List<ExactlyOnceLoop<String, byte[]>> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @Inject
    OutcomeReporter reporter;

    @Inject
    QueueConfig config;

    @Inject
    LoopClients clients;

    @Inject
    MeterRegistry registry;

    void onStart(@Observes StartupEvent ev) {
        QueueConfig.Outcome o = config.outcome();
        for (int i = 1; i <= o.consumers(); i++) {
            String id = o.transactionalId() + "-" + i;
            ExactlyOnceLoop.Settings settings = new ExactlyOnceLoop.Settings("warmwire-outcome-" + i, List.of(Topics.OUTCOME),
                    o.commitInterval(), 5000, Duration.ofSeconds(10), 4096);
            ExactlyOnceLoop<String, byte[]> loop = new ExactlyOnceLoop<>(settings,
                    () -> clients.consumer(GROUP, id, o.maxPollRecords()), () -> clients.producer(id), reporter,
                    new InFlightLimit(5000, 64L * 1024 * 1024), null);
            loops.add(loop);
        }
        FunctionCounter.builder("warmwire.outcome.transactions", loops, l -> l.stream().mapToLong(x -> x.stats().transactions()).sum())
                .tag("result", "committed").description("outcome batches published in a committed transaction").register(registry);
        FunctionCounter.builder("warmwire.outcome.transactions", loops, l -> l.stream().mapToLong(x -> x.stats().failed()).sum())
                .tag("result", "aborted").description("outcome transactions that failed; their outcomes went in a later one or were read again")
                .register(registry);
        FunctionCounter.builder("warmwire.outcome.producers.started", loops,
                        l -> l.stream().mapToLong(x -> x.stats().producers()).sum())
                .description("transactional producers started (one per loop, plus one per failure that needed a new one)")
                .register(registry);
        loops.forEach(l -> threads.add(l.start()));
        LOG.infof("outcome loop: %d consumer(s), transactional ids %s-1..%d, transactions every %s", o.consumers(),
                o.transactionalId(), o.consumers(), o.commitInterval());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent ev) {
        loops.forEach(ExactlyOnceLoop::stop);
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
