package warmwire.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class InFlightLimitTest {

    @Test
    void gatesAtTheBoundAndOpensOnRelease() {
        InFlightLimit l = new InFlightLimit(2);
        assertTrue(l.acquire().toCompletableFuture().isDone());
        CompletionStage<Void> second = l.acquire();
        assertFalse(second.toCompletableFuture().isDone(), "two in flight: the next job must wait");
        assertEquals(2, l.inFlight());
        l.release();
        assertTrue(second.toCompletableFuture().isDone());
        assertEquals(1, l.inFlight());
    }

    @Test
    void resetForgetsEveryJobOpensTheGateAndLateReleasesFreeNothingBelowZero() {
        InFlightLimit l = new InFlightLimit(2, 100);
        l.acquire(60);
        CompletionStage<Void> gate = l.acquire(60);
        assertTrue(l.full());
        l.reset();
        assertTrue(gate.toCompletableFuture().isDone(), "whoever waited may go on");
        assertFalse(l.full());
        assertEquals(0, l.inFlight());
        l.release(60); // a job of before the reset ends late
        assertEquals(0, l.inFlight());
        l.acquire(60);
        assertFalse(l.full(), "one job of 60 bytes is under both bounds");
    }
}
