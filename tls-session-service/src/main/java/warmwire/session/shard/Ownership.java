package warmwire.session.shard;

import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * NAME
 *   Ownership - the partitions of mail.deliver this instance owns, and its jobs in flight per
 *   partition.
 * DESCRIPTION
 *   The fence between an old and a new owner of a shard. The rebalance listener
 *   ({@link ShardListener}) calls {@link #assigned} and {@link #revoked}; the job consumer asks
 *   {@link #owns} before it starts a job and {@link #track}s every job it starts until its
 *   outcome is acknowledged and the job is marked done. {@link #awaitIdle} lets revocation wait
 *   for the jobs of the partitions it gives away. Partition -1 stands for "no Kafka metadata"
 *   (in-memory tests) and is always owned.
 */
@Singleton
public class Ownership implements warmwire.session.tls.TicketStore.Shards {
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Integer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Object changed = new Object();
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

    /** The partition of mail.deliver that holds {@code site}'s jobs (contracts' ShardHash), -1 when not known. */
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

    /** Counts one job of {@code partition} in flight; run the result once when it has ended (idempotent). */
    public Runnable track(int partition) {
        AtomicInteger n = inFlight.computeIfAbsent(partition, p -> new AtomicInteger());
        n.incrementAndGet();
        AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) {
                n.decrementAndGet();
                synchronized (changed) {
                    changed.notifyAll();
                }
            }
        };
    }

    /** Jobs in flight of {@code partition}. */
    public int inFlight(int partition) {
        AtomicInteger n = inFlight.get(partition);
        return n == null ? 0 : n.get();
    }

    /**
     * Waits until no job of {@code partitions} is in flight, at most {@code timeout}; returns the
     * jobs still in flight then (0: all ended).
     */
    public int awaitIdle(Collection<Integer> partitions, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (true) {
                int left = partitions.stream().mapToInt(this::inFlight).sum();
                long wait = deadline - System.nanoTime();
                if (left == 0 || wait <= 0) {
                    return left;
                }
                changed.wait(Math.max(1, wait / 1_000_000));
            }
        }
    }
}
