package warmwire.session.readyq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpState;
import warmwire.testing.TestClock;

class DeadSitesTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final SmtpFailure refused = new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null, "Connection refused");

    @Test
    void aFailedProbeWithinTheGraceDoublesTheWait() {
        DeadSites d = new DeadSites(Duration.ofSeconds(300), Duration.ofSeconds(4000), clock, v -> { });
        d.dead("s", refused);
        assertNotNull(d.check("s"));
        clock.advance(Duration.ofSeconds(301));
        assertNull(d.check("s"), "the wait has passed: probe");
        d.dead("s", refused);
        assertEquals(2, d.check("s").count());
        assertEquals(clock.instant().plusSeconds(600), d.check("s").until());
    }

    @Test
    void aVerdictIsForgottenAfterItsWaitAndTheGrace() {
        DeadSites d = new DeadSites(Duration.ofSeconds(300), Duration.ofSeconds(4000), clock, v -> { });
        d.dead("s", refused);
        clock.advance(Duration.ofSeconds(300 + 4000));
        assertNull(d.check("s"));
        assertEquals(0, d.size(), "forgotten, not kept for ever");
        d.dead("s", refused);
        assertEquals(1, d.check("s").count(), "a new verdict starts again from the minimum");
    }

    @Test
    void theVerdictsHeldAreBounded() {
        DeadSites d = new DeadSites(Duration.ofSeconds(300), Duration.ofSeconds(4000), clock, v -> { });
        for (int i = 0; i < DeadSites.MAX_VERDICTS + 50; i++) {
            d.dead("site-" + i, refused);
            clock.advance(Duration.ofMillis(1));
        }
        assertTrue(d.size() <= DeadSites.MAX_VERDICTS, "held " + d.size());
        assertNotNull(d.check("site-" + (DeadSites.MAX_VERDICTS + 49)), "the newest stays");
        assertNull(d.check("site-0"), "the one whose wait ends soonest went");
    }
}
