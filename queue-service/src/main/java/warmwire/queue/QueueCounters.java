package warmwire.queue;

import warmwire.contracts.outcome.DeliveryEvent;

/**
 * NAME
 *   QueueCounters - what the outcome and retry paths count as they go.
 * DESCRIPTION
 *   Implemented by metrics.QueueMetrics (Micrometer); the paths that count call through this
 *   interface, so the metrics package, which also reads their gauges, sits above them.
 */
public interface QueueCounters {
    /** One event published. */
    void event(DeliveryEvent e);

    /** An internal record of {@code topic} not valid for it, written to mail.internal.dlq. */
    void deadLettered(String topic);

    /** A deferred message put on a retry tier. */
    void retryScheduled();
}
