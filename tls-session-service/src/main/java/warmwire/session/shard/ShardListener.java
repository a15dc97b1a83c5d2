package warmwire.session.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import org.jboss.logging.Logger;
import warmwire.contracts.route.ShardHash;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   ShardListener - the shard side of a move of mail.deliver's partitions between instances.
 * DESCRIPTION
 *   The delivery loop's consumer calls it from its rebalance listener, on the loop's thread
 *   (agent.DeliveryLoopSetup, pipeline.ExactlyOnceLoop), and a partition reaches its new owner only after the revocation
 *   callback has returned; that is the fence. Step by step:
 *   Revoked (or lost):
 *     1. {@link #revoking}: {@link Ownership#revoked}, so no job of those partitions starts here
 *        from now on;
 *     2. the loop waits, at most {@code warmwire.session.handoff-timeout}, until the jobs of
 *        those partitions in flight here have ended, and commits their outcomes with the
 *        partitions' commit points in one transaction, so the new owner, reading from the
 *        commit point, skips them (pipeline.CommitPoints) instead of delivering them again;
 *     3. {@link #revoked}: QUIT the idle connections of those partitions' sites (their TLS
 *        tickets stay in the ticket store for the new owner), and give back to the store the
 *        sessions taken for them at a gain that no handshake used (at most 5 s;
 *        tls.TicketStore#cool); record the change in the {@link ShardMap} (asynchronously).
 *   Assigned: {@link Ownership#assigned}; the ticket store starts taking the stored TLS sessions
 *   of those partitions' sites (tls.TicketStore#warm), so their first handshakes here resume
 *   without waiting for Infinispan; then the shard map.
 *   Jobs still running when the handoff timeout ends (a tarpitting site) are logged and counted
 *   (warmwire_shard_handoffs_total{result="timed_out"}); the new owner delivers them again.
 */
@ApplicationScoped
public class ShardListener {
    private static final Logger LOG = Logger.getLogger(ShardListener.class);

    private final Ownership ownership;
    private final ShardMap map;
    private final ShardedConnections connections;
    private final Duration handoffTimeout;
    private final Counter finished;
    private final Counter timedOut;

    @Inject
    public ShardListener(Ownership ownership, ShardMap map, ShardedConnections connections, SessionConfig config, MeterRegistry registry) {
        this.ownership = ownership;
        this.map = map;
        this.connections = connections;
        this.handoffTimeout = config.session().handoffTimeout();
        this.finished = Counter.builder("warmwire.shard.handoffs").tag("result", "finished")
                .description("partitions given away after their jobs in flight ended").register(registry);
        this.timedOut = Counter.builder("warmwire.shard.handoffs").tag("result", "timed_out")
                .description("partitions given away with jobs still in flight at the handoff timeout").register(registry);
        Gauge.builder("warmwire.shard.partitions.owned", ownership, o -> o.owned().size())
                .description("partitions of mail.deliver this instance owns").register(registry);
        Gauge.builder("warmwire.shard.epoch", map, ShardMap::epoch).description("the shard map's epoch last written here")
                .register(registry);
    }

    /** {@code got} are this instance's now ({@code count}: partitions of mail.deliver, -1 unknown). */
    public void assigned(Set<Integer> got, int count) {
        if (got.isEmpty()) {
            return;
        }
        ownership.partitionCount(count);
        ownership.assigned(got);
        connections.gained(got); // the TLS sessions of these partitions' sites are fetched before their first handshakes
        LOG.infof("shards assigned: %s (now %s)", got, ownership.owned());
        map.changed(got, Set.of());
    }

    /** No job of {@code gave} starts here from now on (before the handoff wait). */
    public void revoking(Set<Integer> gave) {
        ownership.revoked(gave);
    }

    /** {@code gave} were given away after their handoff ({@code left}: jobs still running, -1: lost). */
    public void revoked(Set<Integer> gave, int count, int left, long millis) {
        if (left == 0) {
            finished.increment(gave.size());
        } else if (left > 0) {
            timedOut.increment(gave.size());
            LOG.warnf("shards %s given away with %d job(s) still in flight after %s", gave, left, handoffTimeout);
        }
        int sites = count <= 0 ? 0 : connections.quitIdle(site -> gave.contains(ShardHash.shardOf(site, count)));
        connections.lost(gave); // TLS sessions taken for them at a gain and not used go back before the new owner looks
        LOG.infof("shards %s: %s after %d ms of handoff; idle connections of %d site(s) closed (now %s)", gave,
                left < 0 ? "lost" : "revoked", millis, sites, ownership.owned());
        map.changed(Set.of(), gave);
    }

    /** Whether jobs of {@code partition} may start here. */
    public boolean owns(int partition) {
        return ownership.owns(partition);
    }
}
