package warmwire.session.shard;

import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NAME
 *   Ownership - the partitions of mail.deliver this instance owns.
 * DESCRIPTION
 *   The fence between an old and a new owner of a shard. The rebalance listener
 *   ({@link ShardListener}) calls {@link #assigned} and {@link #revoked}. The delivery loop
 *   ({@code pipeline.ExactlyOnceLoop}) keeps its own record of the partitions it owns and starts
 *   no job of a revoked one (and counts the jobs in flight per partition, which revocation waits
 *   for); {@link #owns} serves the ticket store and the shard map. Partition -1 stands for "no Kafka metadata"
 *   (in-memory tests) and is always owned.
 */
@Singleton
public class Ownership implements warmwire.session.tls.TicketStore.Shards {
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong gains = new java.util.concurrent.atomic.AtomicLong();
    private volatile int partitionCount = -1;

    /** Whether jobs of {@code partition} may be started here. */
    @Override
    public boolean owns(int partition) {
        return partition < 0 || owned.contains(partition);
    }

    /** The partitions owned now, in order. */
    public Set<Integer> owned() {
        return new TreeSet<>(owned);
    }

    /** The partition count of mail.deliver, as the rebalance listener last read it (-1: not known). */
    public void partitionCount(int count) {
        partitionCount = count;
    }

    /** The partition of mail.deliver that holds the jobs of shard key {@code site} (contracts' ShardHash), -1 when not known. */
    @Override
    public int shardOf(String site) {
        int n = partitionCount;
        return n <= 0 || site == null ? -1 : warmwire.contracts.route.ShardHash.shardOf(site, n);
    }

    public void assigned(Collection<Integer> partitions) {
        if (owned.addAll(partitions)) {
            gains.incrementAndGet();
        }
    }

    /**
     * How many times this instance gained partitions (its first assignment included): a change
     * tells that sites may have come from another instance (TLS tickets of the old owner).
     */
    @Override
    public long gains() {
        return gains.get();
    }

    /** From now on no job of {@code partitions} starts here. */
    public void revoked(Collection<Integer> partitions) {
        owned.removeAll(partitions);
    }
}
