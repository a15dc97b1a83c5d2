package warmwire.queue.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.EventMeters;
import warmwire.queue.index.IndexQueries;
import warmwire.queue.outcome.FinalEvents;
import warmwire.queue.retry.RetryScheduler;

/**
 * NAME
 *   QueueMetrics - queue-service's Prometheus metrics (/q/metrics).
 * DESCRIPTION
 *   Counted as events are published ({@link #event}, {@link EventMeters}):
 *   {@code warmwire_events_total{status}}, {@code warmwire_messages_final_total{status}} and the
 *   delivery latency histogram {@code warmwire_delivery_latency_seconds}, of the events this
 *   service publishes; tls-session-service counts those of the first attempts it delivered to
 *   every recipient (it publishes them itself), so the cluster's figures are the sum of both.
 *   Connections and TLS handshakes are tls-session-service's metrics, counted where they
 *   happen. Counted elsewhere and read here:
 *   {@code warmwire_retries_total} ({@link #retryScheduled}),
 *   {@code warmwire_retries_forwarded_total} (retry scheduler),
 *   {@code warmwire_duplicates_total{where="final-event"}} (repeated final events),
 *   {@code warmwire_unchecked_total{check="final-event"}} (Infinispan unreachable),
 *   {@code warmwire_records_dead_lettered_total{topic,service}} (internal records not valid for
 *   their topic, written to mail.internal.dlq: {@link #deadLettered}). The queue depth by site,
 *   {@code warmwire_queue_depth{site}}, and the oldest waiting message's age
 *   ({@code warmwire_queue_oldest_age_seconds}) come from a walk of the queue index on a thread
 *   of its own: a scrape never waits for Infinispan and shows the rows of the last walk.
 *   A walk reads every entry of the index (up to the summary's limit, 200,000) from Infinispan's
 *   file store, so it runs only when /q/metrics was read since the last one, and at most once
 *   per {@code warmwire.metrics.queue-depth-interval} (60 s): nobody scraping costs nothing, and
 *   a scraper costs one walk per interval. Before, a walk every 10 s whether anyone looked or not
 *   was a fifth of an idle mesh's CPU with 40,000 entries in the index (BENCHMARKS.md,
 *   2026-12-03 "fixed costs").
 *   {@code warmwire_queue_depth_walk_age_seconds} says how old the rows are (-1: no walk yet).
 */
@io.quarkus.runtime.Startup
@ApplicationScoped
public class QueueMetrics implements warmwire.queue.QueueCounters {
    private static final Logger LOG = Logger.getLogger(QueueMetrics.class);
    /** How often the walker looks whether a walk is due (scraped, interval over). */
    private static final Duration DEPTH_CHECK = Duration.ofSeconds(1);

    private final MeterRegistry registry;
    private final EventMeters events;
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Counter retries;
    private final MultiGauge depth;
    private final IndexQueries queries;
    private final AtomicLong oldest = new AtomicLong();
    /** A scrape reads the oldest-age gauge: that asks for the next walk. */
    private final WalkGate depthWalk;
    private final java.util.concurrent.ScheduledExecutorService depthWalker =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "warmwire-queue-depth");
                t.setDaemon(true);
                return t;
            });

    @Inject
    public QueueMetrics(MeterRegistry registry, IndexQueries queries, FinalEvents finals,
                        RetryScheduler scheduler, warmwire.queue.QueueConfig config) {
        this.registry = registry;
        this.depthWalk = new WalkGate(config.metrics().queueDepthInterval(), System::nanoTime);
        this.queries = queries;
        this.events = new EventMeters(registry);
        this.retries = Counter.builder("warmwire.retries").description("deferred messages put on a retry tier").register(registry);
        FunctionCounter.builder("warmwire.duplicates", finals, FinalEvents::duplicatesDropped).tag("where", "final-event")
                .register(registry);
        FunctionCounter.builder("warmwire.unchecked", finals, FinalEvents::unchecked).tag("check", "final-event").register(registry);
        FunctionCounter.builder("warmwire.retries.forwarded", scheduler, RetryScheduler::forwarded).register(registry);
        this.depth = MultiGauge.builder("warmwire.queue.depth").description("recipients not final, by site").register(registry);
        Gauge.builder("warmwire.queue.oldest.age.seconds", this, m -> m.readOldest())
                .description("age of the oldest message not final, at the last walk of the index").register(registry);
        Gauge.builder("warmwire.queue.depth.walk.age.seconds", depthWalk, WalkGate::ageSeconds)
                .description("how old the queue depth rows are; -1: no walk yet").register(registry);
        if (depthWalk.enabled()) {
            depthWalker.scheduleWithFixedDelay(this::walkIfDue, DEPTH_CHECK.toMillis(), DEPTH_CHECK.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        depthWalker.shutdownNow();
    }

    /** One event published. */
    @Override
    public void event(DeliveryEvent e) {
        events.count(e);
    }

    /** An internal record of {@code topic} not valid for it, written to mail.internal.dlq. */
    @Override
    public void deadLettered(String topic) {
        deadLettered.computeIfAbsent(topic, t -> Counter.builder("warmwire.records.dead.lettered").tag("topic", t)
                .tag("service", warmwire.queue.QueueConfig.SERVICE)
                .description("internal records not valid for their topic, written to mail.internal.dlq")
                .register(registry)).increment();
    }

    /** A deferred message put on a retry tier. */
    @Override
    public void retryScheduled() {
        retries.increment();
    }

    private double readOldest() {
        depthWalk.asked();
        return oldest.get();
    }

    /** Walks the index when a scrape asked for it since the last walk and the interval is over. */
    private void walkIfDue() {
        if (depthWalk.due()) {
            refreshDepth();
            depthWalk.computed();
        }
    }

    private void refreshDepth() {
        Instant now = Instant.now();
        try {
            Map<String, Object> s = queries.summary(now);
            @SuppressWarnings("unchecked")
            Map<String, Integer> bySite = (Map<String, Integer>) s.get("recipientsNotFinalBySite");
            depth.register(bySite.entrySet().stream()
                    .map(en -> MultiGauge.Row.of(Tags.of("site", en.getKey()), en.getValue())).toList(), true);
            Object age = s.get("oldestNotFinalAgeSeconds");
            oldest.set(age instanceof Number n ? n.longValue() : 0);
        } catch (Exception e) {
            LOG.debugf("queue depth not refreshed: %s", e.toString());
        }
    }
}
