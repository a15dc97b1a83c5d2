package warmwire.queue.retry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   ControlReadiness - queue-service is not ready before it has read mail.control to its end.
 * DESCRIPTION
 *   Until then the retry scheduler forwards nothing and the admin API would answer from
 *   decisions not yet read ({@link OperatorDecisions}; {@link RetryScheduler}: CATCHING UP). Up at once when
 *   {@code warmwire.queue.follow-control=false}.
 */
@Readiness
@ApplicationScoped
public class ControlReadiness implements HealthCheck {
    @Inject
    OperatorDecisions decisions;

    @Inject
    QueueConfig config;

    @Override
    public HealthCheckResponse call() {
        boolean up = !config.queue().followControl() || decisions.caughtUp();
        return HealthCheckResponse.named("mail.control caught up").status(up).build();
    }
}
