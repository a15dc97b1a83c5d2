package warmwire.session.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import warmwire.session.SessionConfig;
import warmwire.session.infinispan.LazyCache;
import warmwire.session.readyq.DeadSites;
import warmwire.session.readyq.Throttles;

/**
 * NAME
 *   DeadSitePublisher - writes dead-site verdicts and throttles to the Infinispan cache warmwire-sites.
 * DESCRIPTION
 *   A {@link DeadSites} listener. Each verdict becomes one entry, key = site key, value = the
 *   JSON of {@link #json} (queue-service's admin API lists the entries with dead=true and an
 *   "until" still ahead). A dead verdict lives until its "until" plus {@code margin}; an alive
 *   one (dead=false) lives {@code margin}, so a stopped instance's verdicts vanish on their own.
 *   Last writer wins: with several instances, the entry is the latest verdict any of them
 *   reached for the site.
 *
 *   {@link #accept} never blocks and never throws: it builds the JSON and hands the write to a
 *   thread of its own (at most 1024 writes waiting; beyond that a verdict is dropped), which
 *   opens the cache on first use (creating it from
 *   quarkus.infinispan-client.cache.warmwire-sites.configuration) and writes with putAsync,
 *   one write at a time so a site's verdicts land in order. A write that fails or takes over
 *   10 s is logged at WARN and counted ({@link #failures}); it is not retried (the next
 *   verdict writes the site again). With {@code warmwire.session.publish-dead-sites=false} no
 *   cache is ever opened: verdicts are only logged (by the agent).
 */
@Singleton
public class DeadSitePublisher implements Consumer<DeadSites.Verdict> {
    private static final Logger LOG = Logger.getLogger(DeadSitePublisher.class);
    public static final String CACHE = "warmwire-sites";
    /** The key prefix of a throttle's entry (a dead-site verdict's key is the site key itself). */
    public static final String THROTTLE_PREFIX = "throttle:";
    private static final long WRITE_TIMEOUT_SECONDS = 10;

    private final boolean enabled;
    private final LazyCache cache;
    private final String instance;
    private final Duration margin;
    private final Clock clock;
    private final ThreadPoolExecutor writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    @Inject
    public DeadSitePublisher(SessionConfig config, Instance<RemoteCacheManager> managers) {
        this(config.session().publishDeadSites(), () -> managers.get().getCache(CACHE),
                warmwire.session.shard.InstanceId.of(config),
                config.session().deadSitePublishMargin(), Clock.systemUTC());
    }

    /** @param open opens the cache (may block, throw or return null: counted as a failed write) */
    public DeadSitePublisher(boolean enabled, Supplier<RemoteCache<String, String>> open, String instance, Duration margin,
                             Clock clock) {
        this.enabled = enabled;
        this.cache = new LazyCache(CACHE, open);
        this.instance = instance;
        this.margin = margin;
        this.clock = clock;
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "warmwire-dead-site-publisher");
            t.setDaemon(true);
            return t;
        });
        if (enabled) {
            LOG.infof("dead-site verdicts are published to Infinispan cache %s as instance %s", CACHE, instance);
        }
    }

    @Override
    public void accept(DeadSites.Verdict v) {
        enqueue(v.site(), v.site(), () -> json(v, instance), () -> lifespanSeconds(v, clock, margin));
    }

    /**
     * Hands the write of {@code key} to the writer thread; never blocks or throws (a failure is
     * logged and counted against {@code site}).
     */
    private void enqueue(String site, String key, Supplier<String> json, LongSupplier lifespanSeconds) {
        if (!enabled) {
            return;
        }
        try {
            String value = json.get();
            long lifespan = lifespanSeconds.getAsLong();
            writer.execute(() -> write(key, value, lifespan));
        } catch (RejectedExecutionException e) {
            fail(site, "too many verdicts waiting to be written");
        } catch (RuntimeException e) {
            fail(site, e.toString());
        }
    }

    private void write(String site, String json, long lifespanSeconds) {
        try {
            cache.get().putAsync(site, json, lifespanSeconds, TimeUnit.SECONDS).get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            written.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(site, "interrupted");
        } catch (Exception e) {
            fail(site, e.toString());
        }
    }

    private void fail(String site, String why) {
        failures.incrementAndGet();
        LOG.warnf("dead-site verdict of %s not written to Infinispan cache %s: %s", site, CACHE, why);
    }

    /**
     * The entry's value: {@code {"site","dead","since","until","count","error","instance"}},
     * times as ISO-8601 instants. dead = the verdict holds (count > 0); for a site alive again,
     * dead=false, count 0, error null, since = when it had been declared dead, until = when it
     * came alive.
     */
    public static String json(DeadSites.Verdict v, String instance) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        boolean dead = v.count() > 0;
        o.put("site", v.site());
        o.put("dead", dead);
        o.put("since", v.since() == null ? null : v.since().toString());
        o.put("until", v.until() == null ? null : v.until().toString());
        o.put("count", v.count());
        o.put("error", v.failure() == null ? null : v.failure().getMessage());
        o.put("instance", instance);
        return o.toString();
    }

    /** Seconds the entry lives: until - now + margin for a dead site, margin for one alive again; at least 1. */
    public static long lifespanSeconds(DeadSites.Verdict v, Clock clock, Duration margin) {
        return seconds(v.count() > 0 && v.until() != null ? Duration.between(clock.instant(), v.until()).plus(margin)
                : margin);
    }

    /** Whole seconds, rounded up, at least 1 (Infinispan's lifespan unit). */
    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /**
     * Writes a throttle (a receiver asked to slow down) under the key {@code throttle:<site>}:
     * {@code {"site","throttled","since","until","cause","relay","window","deliveriesPerConnection",
     * "instance"}}; it lives until its end plus the margin, an ended one the margin.
     */
    public void throttle(Throttles.Throttle t) {
        enqueue(t.site(), THROTTLE_PREFIX + t.site(), () -> {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("site", t.site());
            o.put("throttled", !t.ended());
            o.put("since", t.since().toString());
            o.put("until", t.until().toString());
            o.put("cause", t.cause());
            o.put("relay", t.relay());
            o.put("window", t.window());
            o.put("deliveriesPerConnection", t.deliveriesPerConnection());
            o.put("instance", instance);
            return o.toString();
        }, () -> seconds(t.ended() ? margin : Duration.between(clock.instant(), t.until()).plus(margin)));
    }

    /** Verdicts written. */
    public long written() {
        return written.get();
    }

    /** Verdicts not written (Infinispan unreachable, write failed or timed out, too many waiting). */
    public long failures() {
        return failures.get();
    }

    public String instance() {
        return instance;
    }

    @PreDestroy
    void stop() {
        writer.shutdown();
        try {
            writer.awaitTermination(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
