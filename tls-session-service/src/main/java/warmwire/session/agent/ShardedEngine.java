package warmwire.session.agent;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import warmwire.session.SessionConfig;
import warmwire.session.readyq.ConnectionCache;
import warmwire.session.shard.ShardedConnections;
import warmwire.session.tls.TicketStore;

/**
 * NAME
 *   ShardedEngine - the connection cache and the ticket store as the shard side sees them.
 * DESCRIPTION
 *   What {@link ShardedConnections} asks when partitions come and go: a gain makes the ticket
 *   store take the stored TLS sessions of the gained partitions' sites, a loss gives back what
 *   it took and did not use; the operator's retry QUITs idle connections; the shard map counts
 *   connections and sites. At shutdown every cached connection gets QUIT, bounded by
 *   {@code warmwire.session.shutdown-timeout}, before Vert.x goes away (after the delivery
 *   loop stopped taking jobs, before it commits the last outcomes: DeliveryLoopSetup).
 *   Without the cache or the store (configuration) each call does nothing.
 */
@ApplicationScoped
public class ShardedEngine implements ShardedConnections {
    private static final Logger LOG = Logger.getLogger(ShardedEngine.class);

    private final ConnectionCache cache;
    private final TicketStore tickets;
    private final Duration shutdownTimeout;
    private boolean stopped;

    @Inject
    public ShardedEngine(Optional<ConnectionCache> cache, Optional<TicketStore> tickets, SessionConfig config) {
        this.cache = cache.orElse(null);
        this.tickets = tickets.orElse(null);
        this.shutdownTimeout = config.session().shutdownTimeout();
    }

    /** This instance got {@code partitions}: the ticket store takes their sites' sessions now (none without a store). */
    @Override
    public void gained(Set<Integer> partitions) {
        if (tickets != null) {
            tickets.warm(partitions);
        }
    }

    /** This instance gave {@code partitions} away: sessions taken for them at a gain and not used go back (bounded wait). */
    @Override
    public void lost(Set<Integer> partitions) {
        if (tickets != null) {
            tickets.cool(partitions, Duration.ofSeconds(5));
        }
    }

    /** QUITs the idle cached connections of the sites {@code which} accepts; returns how many sites. */
    @Override
    public int quitIdle(Predicate<String> which) {
        return cache == null ? 0 : cache.quitIdle(which);
    }

    /** Live cached connections (0 without the cache). */
    @Override
    public int connectionsOpen() {
        return cache == null ? 0 : cache.connections();
    }

    /** Sites with a live cached connection (0 without the cache). */
    @Override
    public int sitesWithConnections() {
        return cache == null ? 0 : cache.sitesWithConnections();
    }

    /** QUIT on every cached connection, bounded by shutdown-timeout, before Vert.x goes away. */
    void onStop(@Observes ShutdownEvent ev) {
        closeConnections();
    }

    @PreDestroy
    void stop() {
        closeConnections();
    }

    private synchronized void closeConnections() {
        if (cache == null || stopped) {
            return;
        }
        stopped = true;
        int n = cache.connections();
        try {
            cache.shutdown(shutdownTimeout).toCompletionStage().toCompletableFuture()
                    .get(shutdownTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("closing cached connections: %s", e.toString());
        }
        LOG.infof("connection cache closed: %d connection(s) at stop, %d still open", n, cache.connections());
    }
}
