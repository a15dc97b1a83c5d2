package warmwire.delivery.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.infinispan.client.hotrod.RemoteCache;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.testing.FakeRemoteCache;

class DuplicateIdsTest {
    private final FakeRemoteCache index = new FakeRemoteCache();
    private final Map<String, String> store = index.store;

    private RemoteCache<String, String> cache() {
        return index.remote();
    }

    private static String submission(String id) {
        return "{\"id\":\"" + id + "\",\"from\":\"s@y.test\",\"to\":[\"a@x.test\"],\"content\":\"Subject: t\\r\\n\\r\\nhi\\r\\n\"}";
    }

    private static ConsumerRecord<String, byte[]> rec(long offset, String value) {
        return Fixtures.submitted(0, offset, 1_700_000_000_000L, null, value);
    }

    @Test
    void aResubmittedIdGoesToTheDlqOnceAcceptedTheSameRecordAgainPasses() throws Exception {
        RemoteCache<String, String> remote = cache();
        Intake intake = Fixtures.intake(new FakeRemoteCache().remote());
        intake.ids = Fixtures.ids(remote);
        Instant now = Instant.now();

        var first = intake.judge(List.of(rec(1, submission("c1")), rec(2, submission("c1"))), now);
        assertEquals(1, Fixtures.accepted(first), "the first copy is accepted");
        List<ProducerRecord<String, byte[]>> dlq = Fixtures.to(first, Topics.SUBMIT_DLQ);
        assertEquals(1, dlq.size(), "the second copy in the same batch is a duplicate");
        String reason = new String(dlq.get(0).headers().lastHeader(Topics.HEADER_REJECT_REASON).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("duplicate id c1 (first accepted from mail.submit/0/1)"), reason);
        assertEquals(0, Fixtures.to(first, Topics.EVENTS).size(), "no rejected event: the id's events belong to the accepted copy");
        assertEquals("mail.submit/0/1", store.get("id:c1"), "the claim names the record that carried the id");
        assertEquals(1, store.size(), "one claim (the index entries go to the queue-index cache)");

        var later = intake.judge(List.of(rec(7, submission("c1"))), now);
        assertEquals(1, Fixtures.to(later, Topics.SUBMIT_DLQ).size(), "a later re-submission is a duplicate too");

        var again = intake.judge(List.of(rec(1, submission("c1"))), now);
        assertEquals(1, Fixtures.accepted(again), "the same record read again after a crash passes");
        assertEquals(2, intake.ids.duplicates());
    }

    @Test
    void anIdAnotherBatchIsAcceptingNowIsADuplicate() throws Exception {
        Intake intake = Fixtures.intake(new FakeRemoteCache().remote());
        intake.ids = Fixtures.ids(cache());
        // another worker holds c2 (its claim not yet in the index)
        var other = List.of(Map.entry("c2", "mail.submit/1/5"));
        assertTrue(intake.ids.hold(other).isEmpty());
        var out = intake.judge(List.of(rec(9, submission("c2"))), Instant.now());
        assertEquals(0, Fixtures.accepted(out), "not accepted while the other batch accepts it");
        String reason = new String(Fixtures.to(out, Topics.SUBMIT_DLQ).get(0).headers().lastHeader(Topics.HEADER_REJECT_REASON).value(),
                StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("duplicate id c2 (first accepted from mail.submit/1/5)"), reason);
    }

    @Test
    void aClaimWithoutASourceStillClaimsTheId() throws Exception {
        RemoteCache<String, String> remote = cache();
        store.put("id:c3", "");
        Intake intake = Fixtures.intake(new FakeRemoteCache().remote());
        intake.ids = Fixtures.ids(remote);
        var out = intake.judge(List.of(rec(3, submission("c3"))), Instant.now());
        assertEquals(0, Fixtures.accepted(out), "an id claimed without a source is taken");
        assertEquals(1, Fixtures.to(out, Topics.SUBMIT_DLQ).size());
    }
}
