package warmwire.session.readyq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GcraTest {
    private static final long S = 1_000_000_000L;

    @Test
    void theLongRunRateAndTheBurst() {
        Gcra g = Gcra.of(10, 3); // 10 a second, 3 at once
        long t = 1_000 * S;
        assertTrue(g.take(t));
        assertTrue(g.take(t));
        assertTrue(g.take(t));
        assertFalse(g.take(t), "the burst is spent");
        assertEquals(S / 10, g.waitNanos(t));
        int taken = 3;
        for (long now = t; now <= t + 10 * S; now += S / 1000) { // ask every millisecond for 10 s
            if (g.take(now)) {
                taken++;
            }
        }
        assertEquals(3 + 100, taken, "3 at once, then 10 a second");
    }

    @Test
    void aForcedEventCountsAgainstTheRate() {
        Gcra g = Gcra.of(1, 1);
        long t = 5 * S;
        g.force(t);
        g.force(t);
        assertEquals(2 * S, g.waitNanos(t));
        assertFalse(g.take(t + S));
        assertTrue(g.take(t + 2 * S));
    }

    @Test
    void noRateNoLimit() {
        assertNull(Gcra.of(0, 5));
    }
}
