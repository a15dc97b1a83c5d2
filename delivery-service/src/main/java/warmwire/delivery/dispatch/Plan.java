package warmwire.delivery.dispatch;

import java.util.List;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.route.DeliveryJob;

/**
 * NAME
 *   Plan - what routing one queued message produces.
 *
 * @param jobs    one job per site, in the order the sites first appear among the recipients
 * @param outcome the recipients that could not be routed, or null when every one was
 */
public record Plan(List<DeliveryJob> jobs, DeliveryOutcome outcome) {
}
