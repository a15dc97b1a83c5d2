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
}
