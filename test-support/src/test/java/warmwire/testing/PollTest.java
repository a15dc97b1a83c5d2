package warmwire.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    @Test
    void returnsTheFirstAnswerThatIsDone() {
        AtomicInteger n = new AtomicInteger();
        int got = Poll.until(Duration.ofSeconds(5), Duration.ofMillis(10), n::incrementAndGet, v -> v >= 3, v -> "never");
        assertEquals(3, got);
    }

    @Test
    void aTimeoutSaysWhatWasLastSeen() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Poll.until(Duration.ofMillis(200), Duration.ofMillis(20), () -> "still 2", v -> false, v -> "saw " + v));
        assertTrue(e.getMessage().startsWith("saw still 2"), e.getMessage());
    }

    @Test
    void noTimeToWaitAsksOnce() {
        assertEquals("here", Poll.until(Duration.ZERO, Duration.ofMillis(10), () -> "here", v -> true, v -> "never"));
        AssertionError e = assertThrows(AssertionError.class,
                () -> Poll.until(Duration.ZERO, Duration.ofMillis(10), () -> "not yet", v -> false, v -> "saw " + v));
        assertTrue(e.getMessage().startsWith("saw not yet"), e.getMessage());
    }
}
