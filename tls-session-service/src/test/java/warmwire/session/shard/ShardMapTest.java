package warmwire.session.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import warmwire.testing.FakeRemoteCache;

/** The shard map's epoch (compare-and-set, never backwards) and its partition entries, on an in-memory cache. */
class ShardMapTest {
    private final FakeRemoteCache cache = new FakeRemoteCache();
    private final ObjectMapper json = new ObjectMapper();

    private JsonNode entry(String key) {
        String v = cache.remote().get(key);
        try {
            return v == null ? json.missingNode() : json.readTree(v);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theEpochCountsEveryChangeAndGoesOnAfterTheEntryWasLost() throws Exception {
        assertEquals(1, ShardMap.nextEpoch(cache.remote(), 0));
        assertEquals(2, ShardMap.nextEpoch(cache.remote(), 0));
        assertEquals(3, ShardMap.nextEpoch(cache.remote(), 1), "the stored epoch wins over a lower floor");
        cache.store.clear(); // Infinispan restarted without persistence
        assertEquals(4, ShardMap.nextEpoch(cache.remote(), 3), "goes on from the last epoch this instance knew");
    }

    @Test
    void aChangeWritesTheGainedPartitionsAndRemovesOnlyItsOwnGivenOnes() throws Exception {
        Ownership a = new Ownership();
        Ownership b = new Ownership();
        ShardMap mapA = new ShardMap(true, "a-8083", a, cache::remote, null);
        ShardMap mapB = new ShardMap(true, "b-8084", b, cache::remote, null);
        a.assigned(List.of(0, 1));
        mapA.changed(Set.of(0, 1), Set.of());
        await("a's partitions written").until(() -> !entry("partition:1").isMissingNode());
        assertEquals("a-8083", entry("partition:0").path("owner").asText());
        assertEquals(1, entry("partition:0").path("epoch").asLong());

        // cooperative rebalance: b gets 1 before a has given it away
        b.assigned(List.of(1));
        mapB.changed(Set.of(1), Set.of());
        await("b owns 1").until(() -> "b-8084".equals(entry("partition:1").path("owner").asText()));
        a.revoked(List.of(1));
        mapA.changed(Set.of(), Set.of(1));
        // the epoch is set before the same task writes the instance entry: wait for both
        await("a's give-away counted and its instance entry written").until(() -> mapA.epoch() == 3 && "[0]".equals(entry("instance:a-8083").path("partitions").toString()));
        assertEquals("b-8084", entry("partition:1").path("owner").asText(), "a does not remove b's entry");
        assertEquals(2, entry("partition:1").path("epoch").asLong());
        assertEquals(3, entry("epoch").path("epoch").asLong());
        assertEquals("[0]", entry("instance:a-8083").path("partitions").toString());
        assertTrue(entry("partition:2").isMissingNode());
    }
}
