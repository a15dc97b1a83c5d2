package warmwire.contracts.outcome;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NAME
 *   EventMeters - the counts of the events a service publishes on mail.events.
 * DESCRIPTION
 *   {@code warmwire_events_total{status}} (every state change), {@code
 *   warmwire_messages_final_total{status}} (recipients reaching delivered, bounced, expired,
 *   rejected or deleted) and the histogram {@code warmwire_delivery_latency_seconds}
 *   (submission to the remote's 250: a delivered event's queue + route + connect + transmit
 *   delays). Each publisher counts what it publishes: queue-service the events of the outcomes
 *   it reads (and of intake and the admin API), tls-session-service those of the first attempts
 *   it delivered to every recipient. The cluster's figure is the sum over both services
 *   ({@code sum by (status) (warmwire_messages_final_total)}).
 *   In contracts because the names and their meaning are the operators' contract, the same in
 *   both services; the registry is the service's own (micrometer-core, provided).
 */
public final class EventMeters {
    private final MeterRegistry registry;
    private final Map<Status, Counter> events = new ConcurrentHashMap<>();
    private final Map<Status, Counter> finals = new ConcurrentHashMap<>();
    private final Timer latency;

    public EventMeters(MeterRegistry registry) {
        this.registry = registry;
        this.latency = Timer.builder("warmwire.delivery.latency").description("submission to the remote's 250")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofDays(5)).register(registry);
    }

    /** One event published. */
    public void count(DeliveryEvent e) {
        events.computeIfAbsent(e.status(), s -> Counter.builder("warmwire.events").tag("status", s.wireName())
                .description("events published on mail.events, by status").register(registry)).increment();
        if (e.status().isFinal()) {
            finals.computeIfAbsent(e.status(), s -> Counter.builder("warmwire.messages.final").tag("status", s.wireName())
                    .description("recipients that reached a final state, by state").register(registry)).increment();
        }
        Delays d = e.delays();
        if (e.status() == Status.DELIVERED && d != null) {
            latency.record(Duration.ofNanos((long) ((d.queue() + d.route() + d.connect() + d.transmit()) * 1e9)));
        }
    }
}
