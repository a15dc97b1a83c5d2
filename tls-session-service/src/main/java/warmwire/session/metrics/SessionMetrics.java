package warmwire.session.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.session.conn.ConnectionEvents;
import warmwire.session.readyq.DeadSites;
import warmwire.session.readyq.Throttles;

/**
 * NAME
 *   SessionMetrics - tls-session-service's Prometheus metrics (/q/metrics).
 * DESCRIPTION
 *   Counted from {@link ConnectionEvents} (called by the SMTP side):
 *   {@code warmwire_connections_opened_total} (TCP connections made to remote MTAs, also those
 *   whose session then failed), {@code warmwire_tls_handshakes_total{resumed}} (completed TLS
 *   handshakes, full or resumed; both series exist from the start),
 *   {@code warmwire_connection_reuses_total} (mail transactions on a connection that had already
 *   carried one: a cached connection's next job, a job's further transactions) and the gauge
 *   {@code warmwire_connections_open} (sessions this instance holds now, idle and busy: READY
 *   reached, not yet closed). Counted as jobs finish ({@link #finished}):
 *   {@code warmwire_deliveries_total{result}}, result = delivered (every recipient), deferred
 *   (at least one recipient deferred: the job comes back), partial (none deferred, some
 *   delivered, some bounced), failed (none deferred, none delivered). Read on scrape:
 *   {@code warmwire_dead_sites} (sites dead now, {@link DeadSites#list}) and
 *   {@code warmwire_dead_site_publish_failures_total} (verdicts not written to Infinispan),
 *   once bound with {@link #watchDeadSites} and {@link #watchPublishFailures}.
 *   Usable without Quarkus: tests give it a SimpleMeterRegistry.
 */
@Singleton
public class SessionMetrics implements ConnectionEvents {
    /** The values of the {@code result} tag of warmwire_deliveries_total. */
    public static final List<String> RESULTS = List.of("delivered", "deferred", "partial", "failed");

    private final MeterRegistry registry;
    private final AtomicLong open = new AtomicLong();
    private final Counter opened;
    private final Counter reuses;
    private final Counter fullHandshakes;
    private final Counter resumedHandshakes;
    private final Map<String, Counter> deliveries = new LinkedHashMap<>();

    @Inject
    public SessionMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("warmwire.connections.open", open, AtomicLong::get)
                .description("SMTP sessions held now, idle and busy").strongReference(true).register(registry);
        this.opened = Counter.builder("warmwire.connections.opened").description("TCP connections made to remote MTAs")
                .register(registry);
        this.reuses = Counter.builder("warmwire.connection.reuses")
                .description("mail transactions on a connection that had already carried one").register(registry);
        this.fullHandshakes = Counter.builder("warmwire.tls.handshakes").tag("resumed", "false")
                .description("TLS handshakes completed, full or resumed").register(registry);
        this.resumedHandshakes = Counter.builder("warmwire.tls.handshakes").tag("resumed", "true")
                .description("TLS handshakes completed, full or resumed").register(registry);
        for (String r : RESULTS) {
            deliveries.put(r, Counter.builder("warmwire.deliveries").tag("result", r)
                    .description("delivery jobs finished, by result").register(registry));
        }
    }

    @Override
    public void opened() {
        opened.increment();
    }

    @Override
    public void handshake(boolean resumed) {
        (resumed ? resumedHandshakes : fullHandshakes).increment();
    }

    @Override
    public void held() {
        open.incrementAndGet();
    }

    @Override
    public void released() {
        open.decrementAndGet();
    }

    @Override
    public void reused(int transactions) {
        if (transactions > 0) {
            reuses.increment(transactions);
        }
    }

    /** One job finished with this outcome. */
    public void finished(DeliveryOutcome o) {
        deliveries.get(result(o)).increment();
    }

    /** The {@code result} tag of a finished job (see the class comment). */
    public static String result(DeliveryOutcome o) {
        int delivered = 0;
        int other = 0;
        for (RecipientResult r : o.results()) {
            if (r.status() == Status.DEFERRED) {
                return "deferred";
            }
            if (r.status() == Status.DELIVERED) {
                delivered++;
            } else {
                other++;
            }
        }
        return other == 0 ? (delivered > 0 ? "delivered" : "failed") : (delivered > 0 ? "partial" : "failed");
    }

    /** Reports {@code warmwire_dead_sites} from these verdicts. */
    public void watchDeadSites(DeadSites dead) {
        Gauge.builder("warmwire.dead.sites", dead, d -> d.list().size()).description("sites dead now (failed cohorts)")
                .strongReference(true).register(registry);
    }

    /**
     * Reports {@code warmwire_throttled_sites} (sites a receiver asked to slow down, limits halved
     * now) and {@code warmwire_site_throttles_total} (throttles started).
     */
    public void watchThrottles(Throttles throttles) {
        Gauge.builder("warmwire.throttled.sites", throttles, t -> t.list().size())
                .description("sites whose limits are halved now because a receiver asked to slow down")
                .strongReference(true).register(registry);
        FunctionCounter.builder("warmwire.site.throttles", throttles, Throttles::started)
                .description("throttles started: a reply the reply rules flag throttle halved a site's limits")
                .register(registry);
    }

    /**
     * Reports {@code warmwire_provider_connections{provider}}: the connections counted now against
     * each provider's max-connections here ({@code count} of a provider's name), all sources.
     */
    public <T> void watchProviders(T source, java.util.List<String> providers, java.util.function.ToIntBiFunction<T, String> count) {
        for (String p : providers) {
            Gauge.builder("warmwire.provider.connections", source, s -> count.applyAsInt(s, p)).tag("provider", p)
                    .description("connections open or opening to a mailbox provider's sites, counted against its max-connections")
                    .strongReference(true).register(registry);
        }
    }

    /** Reports {@code warmwire_dead_site_publish_failures_total} from {@code failures} of {@code source}. */
    public <T> void watchPublishFailures(T source, ToDoubleFunction<T> failures) {
        FunctionCounter.builder("warmwire.dead.site.publish.failures", source, failures)
                .description("dead-site verdicts not written to Infinispan").register(registry);
    }

    /** Sessions held now (tests). */
    private final java.util.Map<String, io.micrometer.core.instrument.Counter> deadLettered =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** An internal record of {@code topic} not valid for it, written to mail.internal.dlq. */
    public void deadLettered(String topic) {
        deadLettered.computeIfAbsent(topic, t -> io.micrometer.core.instrument.Counter.builder("warmwire.records.dead.lettered")
                .tag("topic", t).tag("service", "tls-session-service")
                .description("internal records not valid for their topic, written to mail.internal.dlq")
                .register(registry)).increment();
    }

    public long connectionsOpen() {
        return open.get();
    }
}
