package warmwire.queue.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import warmwire.queue.kafka.Fixtures;

/**
 * The in-flight half of the final-event check: a batch holding the same names (the same
 * outcome read twice, the first reading not yet acknowledged) makes the second wait; the
 * names count as known once the first is acknowledged, and are left to the second when the
 * first failed.
 */
class FinalEventsTest {
    private final FinalEvents finals = new FinalEvents(new Fixtures.Cache(false).remote, Fixtures.config());

    @Test
    void aSecondReadingWaitsForTheFirstAndDropsWhatItPublished() throws Exception {
        FinalEvents.Claim first = finals.claim(List.of("m1:a", "m1:b"));
        assertEquals(Set.of(), first.known(), "nothing known yet");
        CompletableFuture<FinalEvents.Claim> second = CompletableFuture.supplyAsync(() -> finals.claim(List.of("m1:a", "m2:c")));
        Thread.sleep(200);
        assertFalse(second.isDone(), "the second reading waits while the first is in flight");
        first.finish(true);
        FinalEvents.Claim c = second.get(5, TimeUnit.SECONDS);
        assertEquals(Set.of("m1:a"), c.known(), "published by the first: known; m2:c is the second's own");
        c.finish(true);
        assertTrue(finals.claim(List.of("m1:a")).known().isEmpty(), "after both finished nothing is held (the marks are Infinispan's)");
    }

    @Test
    void aFailedFirstReadingLeavesTheEventsToTheSecond() throws Exception {
        FinalEvents.Claim first = finals.claim(List.of("m3:a"));
        CompletableFuture<FinalEvents.Claim> second = CompletableFuture.supplyAsync(() -> finals.claim(List.of("m3:a")));
        Thread.sleep(100);
        first.finish(false);
        assertEquals(Set.of(), second.get(5, TimeUnit.SECONDS).known(), "the first was not acknowledged: publish again");
    }
}
