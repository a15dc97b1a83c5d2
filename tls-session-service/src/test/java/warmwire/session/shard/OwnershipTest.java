package warmwire.session.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OwnershipTest {
    @Test
    void aRevokedPartitionStartsNothing() {
        Ownership o = new Ownership();
        o.assigned(List.of(0, 1));
        o.revoked(List.of(0));
        assertFalse(o.owns(0), "no new job of a revoked partition starts");
        assertTrue(o.owns(1));
        assertTrue(o.owns(-1), "no Kafka metadata: always owned");
    }

    @Test
    void gainsCountAssignmentsThatAddPartitions() {
        Ownership o = new Ownership();
        o.assigned(List.of(1, 2));
        o.assigned(List.of(2));
        assertEquals(1, o.gains(), "nothing new: not a gain");
        o.revoked(List.of(2));
        o.assigned(List.of(2));
        assertEquals(2, o.gains());
        assertEquals(Set.of(1, 2), o.owned());
    }
}
