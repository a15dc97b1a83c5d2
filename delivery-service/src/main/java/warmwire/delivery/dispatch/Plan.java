package warmwire.delivery.dispatch;

import java.util.List;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.tlsrpt.TlsResult;

/**
 * NAME
 *   Plan - what routing one queued message produces.
 *
 * @param jobs    one job per site, in the order the sites first appear among the recipients
 * @param outcome the recipients that could not be routed, or null when every one was
 * @param notes   results routing found for TLS reports beside the jobs (a policy fetch that
 *                failed), written to mail.tls-results in the same transaction
 */
public record Plan(List<DeliveryJob> jobs, DeliveryOutcome outcome, List<TlsResult> notes) {
    public Plan(List<DeliveryJob> jobs, DeliveryOutcome outcome) {
        this(jobs, outcome, List.of());
    }
}
