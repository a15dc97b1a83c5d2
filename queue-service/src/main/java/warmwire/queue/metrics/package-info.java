/**
 * SUMMARY
 *   queue-service's Prometheus metrics (/q/metrics): {@link warmwire.queue.metrics.QueueMetrics}
 *   implements the counters the outcome and retry paths call ({@code warmwire.queue.QueueCounters})
 *   and reads their gauges, so it sits above them.
 */
package warmwire.queue.metrics;
