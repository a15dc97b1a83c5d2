package warmwire.queue.dsn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.outcome.Status;

class NotifyTest {

    private static Dsn notify(String... values) {
        return new Dsn(List.of(values), null, null);
    }

    @Test
    void absentNotifyMeansFailuresOnly() {
        for (Dsn d : new Dsn[] {null, new Dsn(null, "FULL", "e1"), new Dsn(List.of(), null, null)}) {
            assertTrue(Notify.wants(d, Action.FAILED));
            assertFalse(Notify.wants(d, Action.DELAYED), "no unrequested DELAY notices");
            assertFalse(Notify.wants(d, Action.RELAYED));
            assertFalse(Notify.wants(d, Action.DELIVERED));
        }
    }

    @Test
    void neverMeansNothing() {
        for (Action a : Action.values()) {
            assertFalse(Notify.wants(notify("NEVER"), a), a.name());
        }
    }

    @Test
    void listedValuesOnlyAndCaseInsensitive() {
        Dsn d = notify("success", "Delay");
        assertFalse(Notify.wants(d, Action.FAILED));
        assertTrue(Notify.wants(d, Action.DELAYED));
        assertTrue(Notify.wants(d, Action.RELAYED));
        assertTrue(Notify.wants(d, Action.DELIVERED));
        assertTrue(Notify.wants(d, Action.EXPANDED));
        Dsn f = notify("FAILURE");
        assertTrue(Notify.wants(f, Action.FAILED));
        assertFalse(Notify.wants(f, Action.DELAYED));
        assertFalse(Notify.wants(f, Action.RELAYED));
    }

    @Test
    void nullSenderNeverGetsOne() {
        assertFalse(Notify.wants("", notify("FAILURE", "DELAY", "SUCCESS"), Action.FAILED));
        assertFalse(Notify.wants(null, null, Action.FAILED));
        assertTrue(Notify.wants("a@b.example", null, Action.FAILED));
    }

    @Test
    void actionsOfStatuses() {
        assertEquals(Optional.of(Action.FAILED), Action.of(Status.BOUNCED));
        assertEquals(Optional.of(Action.FAILED), Action.of(Status.EXPIRED));
        assertEquals(Optional.of(Action.DELAYED), Action.of(Status.DEFERRED));
        assertEquals(Optional.of(Action.RELAYED), Action.of(Status.DELIVERED));
        assertEquals(Optional.empty(), Action.of(Status.REJECTED));
        assertEquals(Optional.empty(), Action.of(Status.DELETED));
        assertEquals("relayed", Action.RELAYED.wireName());
    }
}
