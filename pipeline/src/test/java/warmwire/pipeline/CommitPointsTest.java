package warmwire.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit point of a partition whose jobs finish out of order, and what a new owner makes of it. */
class CommitPointsTest {

    private static TopicPartition tp(int partition) {
        return new TopicPartition("mail.deliver", partition);
    }

    private static CommitPoints.Commit point(CommitPoints o, TopicPartition partition) {
        return o.commit(partition);
    }

    @Test
    void jobsFinishedInOrderCommitPastThemWithoutMetadata() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(0), 10, null);
        for (long off = 10; off < 13; off++) {
            assertEquals(CommitPoints.Fetch.START, o.fetched(tp(0), off));
        }
        o.finished(tp(0), 10);
        o.finished(tp(0), 11);
        o.finished(tp(0), 12);
        assertEquals(new CommitPoints.Commit(13, ""), point(o, tp(0)));
    }

    @Test
    void aSlowJobHoldsTheCommitPointAndTheFinishedOnesAboveItAreNamed() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(0), 100, null);
        for (long off = 100; off < 110; off++) {
            o.fetched(tp(0), off);
        }
        for (long off = 101; off < 110; off++) {
            if (off != 105) {
                o.finished(tp(0), off);
            }
        }
        CommitPoints.Commit c = point(o, tp(0));
        assertEquals(100, c.offset(), "the slow job at 100 is the commit point");
        assertEquals("w1:a:5", c.metadata(), "known up to 110 (a in base 36); 105 is unfinished too");

        // a new owner reads it: 100 and 105 are delivered, the others skipped
        CommitPoints next = new CommitPoints(4096);
        next.assigned(tp(0), c.offset(), c.metadata());
        for (long off = 100; off < 110; off++) {
            CommitPoints.Fetch f = next.fetched(tp(0), off);
            assertEquals(off == 100 || off == 105 ? CommitPoints.Fetch.START : CommitPoints.Fetch.DONE, f, "offset " + off);
        }
        assertEquals(CommitPoints.Fetch.START, next.fetched(tp(0), 110), "beyond what was known: a new job");
        // its own commit keeps the earlier owner's knowledge
        next.finished(tp(0), 105);
        assertEquals(new CommitPoints.Commit(100, "w1:b:a"), point(next, tp(0)), "100 and 110 unfinished, known up to 111");
        next.finished(tp(0), 100);
        next.finished(tp(0), 110);
        assertEquals(new CommitPoints.Commit(111, ""), point(next, tp(0)));
    }

    @Test
    void aNewOwnerThatHasNotCaughtUpKeepsWhatItWasToldInItsOwnCommit() {
        CommitPoints next = new CommitPoints(4096);
        next.assigned(tp(0), 50, "w1:14:3");
        assertEquals(CommitPoints.Fetch.START, next.fetched(tp(0), 50));
        next.finished(tp(0), 50);
        // 51, 52 done (skipped when read), 53 unfinished, 54..89 done: the commit moves to 53 at once
        assertEquals(new CommitPoints.Commit(53, "w1:11:"), point(next, tp(0)), "known up to 90 = 53 + 37");
        assertEquals(CommitPoints.Fetch.DONE, next.fetched(tp(0), 51));
        assertEquals(CommitPoints.Fetch.DONE, next.fetched(tp(0), 52));
        assertEquals(CommitPoints.Fetch.START, next.fetched(tp(0), 53));
        assertEquals(new CommitPoints.Commit(53, "w1:11:"), point(next, tp(0)));
    }

    @Test
    void offsetsNoRecordCameForAreTransactionMarkersAndDone() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(3), 0, null);
        o.fetched(tp(3), 0);
        o.fetched(tp(3), 2); // 1 is a commit marker
        o.position(tp(3), 4); // 3 too
        o.finished(tp(3), 0);
        o.finished(tp(3), 2);
        assertEquals(new CommitPoints.Commit(4, ""), point(o, tp(3)));
    }

    @Test
    void withoutACommittedOffsetTheFirstRecordStartsTheCount() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(1), -1, null);
        assertEquals(null, point(o, tp(1)), "nothing known, nothing to commit");
        o.fetched(tp(1), 7);
        assertEquals(new CommitPoints.Commit(7, ""), point(o, tp(1)));
        o.finished(tp(1), 7);
        assertEquals(new CommitPoints.Commit(8, ""), point(o, tp(1)));
    }

    @Test
    void unreadableMetadataMeansNothingIsKnownAboveTheOffset() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(0), 5, "w1:zz:notanumber!");
        assertEquals(CommitPoints.Fetch.START, o.fetched(tp(0), 6), "every job is delivered");
        CommitPoints older = new CommitPoints(4096);
        older.assigned(tp(0), 5, "written by another tool");
        assertEquals(CommitPoints.Fetch.START, older.fetched(tp(0), 5));
        CommitPoints outOfRange = new CommitPoints(4096);
        outOfRange.assigned(tp(0), 5, "w1:2:9");
        assertEquals(CommitPoints.Fetch.START, outOfRange.fetched(tp(0), 6));
    }

    @Test
    void metadataThatDoesNotFitKeepsTheLowestUnfinishedAndLowersWhatIsKnown() {
        CommitPoints o = new CommitPoints(64);
        o.assigned(tp(0), 0, null);
        for (long off = 0; off < 1000; off++) {
            o.fetched(tp(0), off);
        }
        for (long off = 1; off < 1000; off += 2) {
            o.finished(tp(0), off); // every odd job done, every even one still running
        }
        CommitPoints.Commit c = point(o, tp(0));
        assertEquals(0, c.offset());
        assertTrue(c.metadata().length() <= 64 - 16, c.metadata());
        assertTrue(o.truncations() > 0);
        CommitPoints next = new CommitPoints(64);
        next.assigned(tp(0), c.offset(), c.metadata());
        int skipped = 0;
        for (long off = 0; off < 1000; off++) {
            CommitPoints.Fetch f = next.fetched(tp(0), off);
            if (f == CommitPoints.Fetch.DONE) {
                skipped++;
                assertTrue(off % 2 == 1, "only finished jobs are skipped: " + off);
            }
        }
        assertTrue(skipped > 0 && skipped < 500, "the first finished ones are skipped, the rest delivered again: " + skipped);
    }

    @Test
    void aFailedCommitMakesItsJobsUnfinishedAgain() {
        CommitPoints o = new CommitPoints(4096);
        o.assigned(tp(0), 0, null);
        o.fetched(tp(0), 0);
        o.fetched(tp(0), 1);
        o.finished(tp(0), 1);
        Map<TopicPartition, CommitPoints.Commit> points = o.commits();
        assertEquals(new CommitPoints.Commit(0, "w1:2:"), points.get(tp(0)));
        o.unfinished(tp(0), 1);
        assertEquals(new CommitPoints.Commit(0, ""), point(o, tp(0)), "both unfinished: nothing to name");
        o.committed(o.commits());
        assertFalse(o.changed(tp(0)));
    }
}
