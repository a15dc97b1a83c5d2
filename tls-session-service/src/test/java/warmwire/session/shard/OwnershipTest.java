package warmwire.session.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OwnershipTest {
    @Test
    void aRevokedPartitionStartsNothingAndRevocationWaitsForItsJobs() throws Exception {
        Ownership o = new Ownership();
        o.assigned(List.of(0, 1));
        Runnable job0 = o.track(0);
        Runnable job1 = o.track(1);
        o.revoked(List.of(0));
        assertFalse(o.owns(0), "no new job of a revoked partition starts");
        assertTrue(o.owns(1));
        assertTrue(o.owns(-1), "no Kafka metadata (in-memory channel): always owned");

        CompletableFuture<Integer> left = CompletableFuture.supplyAsync(() -> {
            try {
                return o.awaitIdle(Set.of(0), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(left.isDone(), "revocation waits while a job of the partition is in flight");
        job1.run(); // another partition's job does not end the wait
        Thread.sleep(100);
        assertFalse(left.isDone());
        job0.run();
        assertEquals(0, left.get(5, TimeUnit.SECONDS));
        job0.run(); // idempotent
        assertEquals(0, o.inFlight(0));
    }

    @Test
    void theWaitIsBounded() throws Exception {
        Ownership o = new Ownership();
        o.assigned(List.of(3));
        o.track(3);
        long t0 = System.nanoTime();
        assertEquals(1, o.awaitIdle(Set.of(3), Duration.ofMillis(300)), "one job still in flight at the timeout");
        assertTrue(System.nanoTime() - t0 >= 250_000_000L);
    }

    @Test
    void gainsCountAssignmentsThatAddPartitions() {
        Ownership o = new Ownership();
        o.assigned(List.of(1, 2));
        o.assigned(List.of(2));
        assertEquals(1, o.gains(), "nothing new: not a gain");
        o.revoked(List.of(2));
        o.assigned(List.of(2));
        assertEquals(2, o.gains());
        assertEquals(Set.of(1, 2), o.owned());
    }
}
