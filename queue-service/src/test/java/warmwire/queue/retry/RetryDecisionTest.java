package warmwire.queue.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;

class RetryDecisionTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private final Map<String, ControlState> control = new HashMap<>();

    private static QueuedMessage waiting(Instant notBefore) {
        return new QueuedMessage("m1", "s@example.org", List.of("a@example.com"), new byte[] {'x'}, TlsLevel.MAY, null, null, null,
                2, T0, notBefore, false);
    }

    private RetryDecision decide(QueuedMessage m, Instant scheduled, String site, Instant now) {
        return RetryDecision.of(m, scheduled, site, control::get, now);
    }

    @Test
    void backoffDoublesFromMinimalToMaximalOverTheTiers() {
        Backoff b = new Backoff(Duration.ofSeconds(300), Duration.ofSeconds(4000));
        assertEquals(List.of(300L, 600L, 1200L, 2400L, 4000L),
                List.of(1, 2, 3, 4, 5).stream().map(i -> b.tierWait(i).toSeconds()).toList());
        assertEquals(5, b.tierAfter(9));
        assertEquals(Duration.ofSeconds(4000), b.after(9));
        assertEquals(Duration.ofSeconds(300), b.after(1));
        Backoff it = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(8));
        assertEquals(List.of(2L, 4L, 8L, 8L, 8L), List.of(1, 2, 3, 4, 5).stream().map(i -> it.tierWait(i).toSeconds()).toList());
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(5)));
    }

    @Test
    void waitsUntilDueThenForwardsWithoutTheDueTime() {
        Instant due = T0.plusSeconds(300);
        assertEquals(new RetryDecision.Wait(due), decide(waiting(due), T0, "s", T0.plusSeconds(10)));
        RetryDecision d = decide(waiting(due), T0, "s", due);
        RetryDecision.Forward f = assertInstanceOf(RetryDecision.Forward.class, d);
        assertNull(f.message().notBefore());
        assertEquals(2, f.message().attempt(), "the attempt number (so the job id) is kept");
    }

    @Test
    void deletedIsDroppedHeldGoesBackAndRetryNowMakesDue() {
        Instant due = T0.plusSeconds(300);
        control.put("message:m1", ControlState.none("message:m1").withHeld(true, T0, "check"));
        assertInstanceOf(RetryDecision.Wait.class, decide(waiting(due), T0, "s", T0.plusSeconds(1)));
        assertInstanceOf(RetryDecision.Hold.class, decide(waiting(due), T0, "s", due));

        control.put("message:m1", ControlState.none("message:m1").withRetryRequested(T0.plusSeconds(5)));
        assertInstanceOf(RetryDecision.Forward.class, decide(waiting(due), T0, "s", T0.plusSeconds(6)),
                "retry now after the record was scheduled");
        assertInstanceOf(RetryDecision.Wait.class, decide(waiting(due), T0.plusSeconds(10), "s", T0.plusSeconds(11)),
                "a retry-now older than the record does not count");

        control.clear();
        control.put("site:s", ControlState.none("site:s").withRetryRequested(T0.plusSeconds(5)));
        assertInstanceOf(RetryDecision.Forward.class, decide(waiting(due), T0, "s", T0.plusSeconds(6)));
        assertInstanceOf(RetryDecision.Wait.class, decide(waiting(due), T0, "other", T0.plusSeconds(6)));
        control.put("site:mx2.example.com", ControlState.none("site:mx2.example.com").withRetryRequested(T0.plusSeconds(5)));
        assertInstanceOf(RetryDecision.Forward.class, decide(waiting(due), T0, "mx1.example.com,mx2.example.com:25/may",
                T0.plusSeconds(6)), "by one of the site's MX hosts");
        control.put("all", ControlState.none("all").withRetryRequested(T0.plusSeconds(5)));
        assertInstanceOf(RetryDecision.Forward.class, decide(waiting(due), T0, "other", T0.plusSeconds(6)));

        control.put("message:m1", ControlState.none("message:m1").withDeleted(T0, "spam"));
        assertInstanceOf(RetryDecision.Drop.class, decide(waiting(due), T0, "s", due));
    }
}
