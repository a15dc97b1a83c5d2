package warmwire.session.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   ShardMap - who owns which shard, published in the Infinispan cache warmwire-shards.
 * DESCRIPTION
 *   Entries (JSON values):
 *     epoch             {"epoch": n}: increases by one on every change of any instance's
 *                       partitions (compare-and-set with Hot Rod versions, so two instances
 *                       changing at once both count);
 *     partition:<p>     {"partition", "owner", "epoch", "since"}: written by the instance that
 *                       got the partition, removed by the one that gave it away if it still
 *                       names it (a killed owner's entries are overwritten by the next owner);
 *     instance:<id>     {"id", "partitions", "connectionsOpen", "sites", "updatedAt"}: every 5 s
 *                       with a lifespan of 20 s, so a dead instance disappears.
 *   Every Hot Rod call runs on this class's own thread, never on an event loop or on Kafka's
 *   polling thread; Infinispan down never stops delivery: a failed write is logged
 *   and made good by the next change or refresh. {@link #read} serves the
 *   admin endpoint of any instance from the cache.
 */
@Singleton
public class ShardMap {
    private static final Logger LOG = Logger.getLogger(ShardMap.class);
    public static final String CACHE = "warmwire-shards";
    static final String EPOCH = "epoch";
    private static final long REFRESH_SECONDS = 5;
    private static final long INSTANCE_LIFESPAN_SECONDS = 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "warmwire-shard-map");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong epoch = new AtomicLong();
    private final boolean enabled;
    private final String instance;
    private final Ownership ownership;
    private final warmwire.session.infinispan.LazyCache cache;
    private final ShardedConnections connections;

    @Inject
    public ShardMap(SessionConfig config, Ownership ownership, Instance<RemoteCacheManager> managers, ShardedConnections connections) {
        this(config.session().shardMap(), InstanceId.of(config), ownership, () -> managers.get().getCache(CACHE), connections);
    }

    ShardMap(boolean enabled, String instance, Ownership ownership, Supplier<RemoteCache<String, String>> open,
             ShardedConnections connections) {
        this.enabled = enabled;
        this.instance = instance;
        this.ownership = ownership;
        this.cache = new warmwire.session.infinispan.LazyCache(CACHE, open);
        this.connections = connections;
    }

    void onStart(@Observes StartupEvent ev) {
        if (enabled) {
            writer.scheduleWithFixedDelay(this::refresh, 1, REFRESH_SECONDS, TimeUnit.SECONDS);
            LOG.infof("shard map: instance %s publishes to Infinispan cache %s", instance, CACHE);
        }
    }

    /** After the delivery loop has closed (its last revocation is still written), DeliveryLoopSetup.onStopped. */
    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 2000) ShutdownEvent ev) {
        writer.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.shutdownNow();
    }

    /** This instance's name in the map. */
    public String instance() {
        return instance;
    }

    /** The last epoch this instance wrote or saw (0: none yet). */
    public long epoch() {
        return epoch.get();
    }

    /** Records a change: {@code got} partitions are now this instance's, {@code gave} are not. Never blocks. */
    public void changed(Set<Integer> got, Set<Integer> gave) {
        if (!enabled) {
            return;
        }
        try {
            writer.execute(() -> write(got, gave));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.debugf("shard map closed: %s got %s, gave %s not written", instance, got, gave);
        }
    }

    private void write(Set<Integer> got, Set<Integer> gave) {
        try {
            RemoteCache<String, String> c = cache();
            long e = nextEpoch(c, epoch.get());
            epoch.set(e);
            String now = Instant.now().toString();
            for (int p : got) {
                c.put("partition:" + p, partitionEntry(p, e, now));
            }
            for (int p : gave) {
                MetadataValue<String> v = c.getWithMetadata("partition:" + p);
                if (v != null && instance.equals(JSON.readTree(v.getValue()).path("owner").asText())) {
                    c.removeWithVersion("partition:" + p, v.getVersion());
                }
            }
            writeInstance(c);
            LOG.infof("shard map: epoch %d, %s got %s, gave %s", e, instance, got, gave);
        } catch (Exception ex) {
            fail("change", ex);
        }
    }

    /**
     * The epoch after this change: the stored one plus one, by compare-and-set. {@code floor} is
     * the last epoch this instance knew: if Infinispan lost the entry (a restart of a server
     * without persistence), the epoch goes on from there instead of starting again at 1.
     */
    static long nextEpoch(RemoteCache<String, String> c, long floor) throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            MetadataValue<String> v = c.getWithMetadata(EPOCH);
            if (v == null) {
                if (c.putIfAbsent(EPOCH, "{\"epoch\":" + (floor + 1) + "}") == null) {
                    return floor + 1;
                }
                continue;
            }
            long next = Math.max(JSON.readTree(v.getValue()).path("epoch").asLong(), floor) + 1;
            if (c.replaceWithVersion(EPOCH, "{\"epoch\":" + next + "}", v.getVersion())) {
                return next;
            }
        }
        throw new IllegalStateException("epoch: too many concurrent changes");
    }

    /**
     * Every 5 s: this instance's entry, and its partitions' entries where they are missing or
     * name another owner (Infinispan lost them, or a revoked owner's late write): the map heals
     * itself without waiting for the next change.
     */
    private void refresh() {
        try {
            RemoteCache<String, String> c = cache();
            writeInstance(c);
            for (int p : ownership.owned()) {
                String v = c.get("partition:" + p);
                if (v == null || !instance.equals(JSON.readTree(v).path("owner").asText())) {
                    long e = epoch.get() > 0 ? epoch.get() : nextEpoch(c, 0);
                    epoch.compareAndSet(0, e);
                    c.put("partition:" + p, partitionEntry(p, e, Instant.now().toString()));
                }
            }
        } catch (Exception e) {
            fail("refresh", e);
        }
    }

    /** The value of {@code partition:<p>}: this instance owns p since {@code since}, at epoch {@code e}. */
    private String partitionEntry(int p, long e, String since) {
        ObjectNode o = JSON.createObjectNode();
        o.put("partition", p);
        o.put("owner", instance);
        o.put("epoch", e);
        o.put("since", since);
        return o.toString();
    }

    private void writeInstance(RemoteCache<String, String> c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", instance);
        ArrayNode parts = o.putArray("partitions");
        ownership.owned().forEach(parts::add);
        o.put("connectionsOpen", connections == null ? 0 : connections.connectionsOpen());
        o.put("sites", connections == null ? 0 : connections.sitesWithConnections());
        o.put("updatedAt", Instant.now().toString());
        c.put("instance:" + instance, o.toString(), INSTANCE_LIFESPAN_SECONDS, TimeUnit.SECONDS);
    }

    private RemoteCache<String, String> cache() {
        return cache.get();
    }

    private void fail(String what, Exception e) {
        LOG.warnf("shard map %s not written to Infinispan cache %s: %s", what, CACHE, e.toString());
    }

    /**
     * The whole map as JSON: {"epoch", "partitions": [...by partition], "instances": [...by id]}.
     * Blocking Hot Rod reads: call from a worker thread.
     */
    public JsonNode read() throws Exception {
        RemoteCache<String, String> c = cache();
        Map<Integer, JsonNode> partitions = new TreeMap<>();
        Map<String, JsonNode> instances = new TreeMap<>();
        long e = 0;
        for (Map.Entry<String, String> en : c.entrySet()) {
            JsonNode v = JSON.readTree(en.getValue());
            String k = en.getKey();
            if (k.equals(EPOCH)) {
                e = v.path("epoch").asLong();
            } else if (k.startsWith("partition:")) {
                partitions.put(v.path("partition").asInt(), v);
            } else if (k.startsWith("instance:")) {
                instances.put(v.path("id").asText(), v);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("epoch", e);
        out.putArray("partitions").addAll(partitions.values());
        out.putArray("instances").addAll(instances.values());
        return out;
    }
}
