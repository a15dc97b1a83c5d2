package warmwire.queue.intake;

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
import java.util.List;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.pipeline.InFlightLimit;
import warmwire.queue.QueueConfig;
import warmwire.queue.kafka.LoopClients;

/**
 * NAME
 *   IntakeLoop - runs the mail.submit hop: an {@link ExactlyOnceLoop} over {@link Intake}.
 * DESCRIPTION
 *   Consumer group {@value #GROUP} (read_committed), transactional id
 *   {@code warmwire.intake.transactional-id}, the producers' tuning of {@code warmwire.producer.*}
 *   ({@link LoopClients}). A poll's forwarded mail waits at most
 *   {@code warmwire.intake.commit-interval} for its transaction. {@code warmwire.intake.enabled=false}
 *   (unit tests) starts no loop.
 */
@ApplicationScoped
public class IntakeLoop {
    private static final Logger LOG = Logger.getLogger(IntakeLoop.class);
    static final String GROUP = "warmwire-queue-intake";

    @Inject
    QueueConfig config;

    @Inject
    Intake intake;

    @Inject
    LoopClients clients;

    @Inject
    MeterRegistry registry;

    private ExactlyOnceLoop<byte[], byte[]> loop;
    private Thread thread;

    void onStart(@Observes StartupEvent ev) {
        QueueConfig.Intake c = config.intake();
        if (!c.enabled()) {
            return;
        }
        String id = c.transactionalId();
        ExactlyOnceLoop.Settings settings = new ExactlyOnceLoop.Settings("warmwire-intake", List.of(Topics.SUBMIT),
                c.commitInterval(), 5000, Duration.ofSeconds(10), 4096);
        loop = new ExactlyOnceLoop<>(settings, () -> clients.bytesConsumer(GROUP, id, 500), () -> clients.producer(id), intake,
                new InFlightLimit(5000, 64L * 1024 * 1024), null);
        ExactlyOnceLoop.Stats st = loop.stats();
        FunctionCounter.builder("warmwire.intake.transactions.seconds", st, ExactlyOnceLoop.Stats::commitSeconds)
                .description("time spent in the intake transactions that committed (send, commit points, commit); over the "
                        + "transactions' count, the mean time a commit holds the loop")
                .register(registry);
        FunctionCounter.builder("warmwire.intake.transactions", st, ExactlyOnceLoop.Stats::transactions)
                .description("Kafka transactions that committed forwarded submissions with mail.submit's commit points")
                .register(registry);
        FunctionCounter.builder("warmwire.intake.transactions.failed", st, ExactlyOnceLoop.Stats::failed)
                .description("intake transactions that failed (their output went in a later one)").register(registry);
        thread = loop.start();
        LOG.infof("intake loop: %s -> %s | %s, group %s, transactional id %s, transactions every %s", Topics.SUBMIT,
                Topics.ROUTE, Topics.SUBMIT_DLQ, GROUP, id, c.commitInterval());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent ev) {
        if (loop == null) {
            return;
        }
        loop.stop();
        try {
            thread.join(20_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
