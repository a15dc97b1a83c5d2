package warmwire.session.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;

class OutcomeCollectorTest {

    @Test
    void unmarkedRecipientIsAnError() {
        OutcomeCollector c = new OutcomeCollector(List.of("a@x", "b@x", "c@x"));
        c.mark(0, Status.DELIVERED, new SmtpReply(250, "2.0.0", "Ok"), null);
        c.mark(2, Status.BOUNCED, new SmtpReply(550, "5.1.1", "no"), "host said no");
        IllegalStateException e = assertThrows(IllegalStateException.class, c::results);
        assertTrue(e.getMessage().contains("b@x"), e.getMessage());
        assertEquals(List.of("b@x"), c.unmarked());
    }

    @Test
    void sweepMarksTheRestDeferredAndCounts() {
        OutcomeCollector c = new OutcomeCollector(List.of("a@x", "b@x", "c@x"));
        c.mark(1, Status.BOUNCED, null, "bad");
        assertEquals(2, c.sweep("lost connection"));
        List<RecipientResult> r = c.results();
        assertEquals(3, r.size());
        assertEquals(Status.DEFERRED, r.get(0).status());
        assertEquals("lost connection", r.get(0).reason());
        assertEquals(Status.BOUNCED, r.get(1).status());
    }

    @Test
    void firstDecisionStandsAndDuplicatesKeepTheirSlots() {
        OutcomeCollector c = new OutcomeCollector(List.of("a@x", "a@x"));
        c.mark(0, Status.BOUNCED, null, "first");
        c.mark(0, Status.DELIVERED, null, null);
        c.markRemaining(Status.DEFERRED, null, null);
        List<RecipientResult> r = c.results();
        assertEquals(2, r.size(), "never fewer results than recipients");
        assertEquals(Status.BOUNCED, r.get(0).status());
        assertEquals(Status.DEFERRED, r.get(1).status());
        assertEquals("no reason given", r.get(1).reason(), "a non-delivered result always has a reason");
    }
}
