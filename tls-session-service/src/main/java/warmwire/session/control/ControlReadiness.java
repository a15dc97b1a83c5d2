package warmwire.session.control;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * NAME
 *   ControlReadiness - not ready before mail.control has been read to its end.
 * DESCRIPTION
 *   Until then no delivery starts ({@link SuspendedSites#caughtUp}).
 */
@Readiness
@ApplicationScoped
public class ControlReadiness implements HealthCheck {
    @Inject
    SuspendedSites sites;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("mail.control caught up").status(sites.caughtUp()).build();
    }
}
