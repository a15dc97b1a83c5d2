package warmwire.queue.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WalkGateTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final WalkGate gate = new WalkGate(Duration.ofSeconds(60), now::get);

    @Test
    void nobodyAskingMeansNoWalk() {
        assertFalse(gate.due());
        now.addAndGet(Duration.ofHours(1).toNanos());
        assertFalse(gate.due());
    }

    @Test
    void theFirstScrapeCausesAWalkAtOnceAndOnlyOne() {
        gate.asked();
        assertTrue(gate.due());
        assertFalse(gate.due(), "the request is used up");
        assertEquals(-1, gate.ageSeconds());
    }

    @Test
    void scrapesWithinTheIntervalWaitForItsEnd() {
        gate.asked();
        assertTrue(gate.due());
        gate.computed();
        now.addAndGet(Duration.ofSeconds(15).toNanos());
        gate.asked();
        assertFalse(gate.due());
        assertEquals(15.0, gate.ageSeconds(), 1e-9);
        now.addAndGet(Duration.ofSeconds(45).toNanos());
        assertTrue(gate.due(), "the scrape of 45 s ago is served once the interval is over");
        gate.computed();
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        assertFalse(gate.due(), "no scrape since that walk");
    }

    @Test
    void aZeroIntervalNeverWalks() {
        WalkGate off = new WalkGate(Duration.ZERO, now::get);
        off.asked();
        assertFalse(off.enabled());
        assertFalse(off.due());
    }
}
