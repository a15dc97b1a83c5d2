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
 * @param tlsResults what routing found for TLS reports (a published policy that refused every
 *                host, a policy fetch that failed), one per domain, written to mail.tls-results
 *                in the same transaction as the jobs and the outcome
 */
public record Plan(List<DeliveryJob> jobs, DeliveryOutcome outcome, List<TlsResult> tlsResults) {
    public Plan(List<DeliveryJob> jobs, DeliveryOutcome outcome) {
        this(jobs, outcome, List.of());
    }
}
