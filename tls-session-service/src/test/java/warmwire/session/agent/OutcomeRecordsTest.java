package warmwire.session.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.EventMeters;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.outcome.TlsInfo;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.testing.FakeRemoteCache;
import warmwire.testing.Poll;

/** Which outcomes are final at the session hop, and what they become. */
class OutcomeRecordsTest {
    private static final Instant T = Instant.parse("2026-12-06T10:00:00Z");
    private final ObjectMapper mapper = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OutcomeRecords records = new OutcomeRecords(Topics.OUTCOME, mapper.writer(), true, null,
            new EventMeters(registry));

    private static RecipientResult delivered(String rcpt) {
        return new RecipientResult(rcpt, Status.DELIVERED, new SmtpReply(250, "2.0.0", "Ok: queued"), null, null);
    }

    private static DeliveryOutcome outcome(int attempt, List<RecipientResult> results, List<TlsResult> tls) {
        return new DeliveryOutcome("m1", "m1/" + attempt + "/site", attempt, "mx.example:25/encrypt",
                "mx.example[192.0.2.1]:25", results, new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", true, false), 2,
                new Delays(0.01, 0.002, 0, 0.03), T, null, tls);
    }

    private double count(String name, String status) {
        var c = registry.find(name).tag("status", status).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aFirstAttemptDeliveredToEveryRecipientBecomesItsEventsAndTlsResults() throws Exception {
        TlsResult tls = new TlsResult("example", "sts", List.of("version: STSv1"), "mx.example", "192.0.2.1",
                TlsResult.SUCCESS, null);
        DeliveryOutcome o = outcome(1, List.of(delivered("a@example"), delivered("b@example")), List.of(tls));
        OutcomeRecords.Output out = records.of(o);

        assertEquals(3, out.records().size());
        ProducerRecord<String, byte[]> t = out.records().get(0);
        assertEquals(Topics.TLS_RESULTS, t.topic());
        assertEquals("example", t.key());
        List<DeliveryEvent> expected = DeliveryEvent.ofOutcome(o, ReplyRules.defaults());
        for (int i = 0; i < 2; i++) {
            ProducerRecord<String, byte[]> e = out.records().get(i + 1);
            assertEquals(Topics.EVENTS, e.topic());
            assertEquals("m1", e.key(), "events are keyed by message id");
            assertEquals(expected.get(i), mapper.readValue(e.value(), DeliveryEvent.class));
            assertEquals(new String(mapper.writeValueAsBytes(expected.get(i)), StandardCharsets.UTF_8),
                    new String(e.value(), StandardCharsets.UTF_8), "as queue-service writes them");
        }
        assertEquals(Status.DELIVERED, expected.get(0).status());

        assertNotNull(out.settled());
        assertEquals(0, count("warmwire.messages.final", "delivered"), "nothing counted before the commit");
        out.settled().committed();
        Poll.until(Duration.ofSeconds(5), Duration.ofMillis(10), () -> count("warmwire.messages.final", "delivered"),
                n -> n == 2, n -> "counted " + n); // off the loop's thread, just after the commit
        assertEquals(2, count("warmwire.events", "delivered"));
        assertEquals(2, registry.find("warmwire.delivery.latency").timer().count());
    }

    @Test
    void droppedOutputIsNotCounted() {
        OutcomeRecords.Output out = records.of(outcome(1, List.of(delivered("a@example")), List.of()));
        out.settled().dropped();
        records.close(); // whatever was handed on is done now
        assertEquals(0, count("warmwire.events", "delivered"));
    }

    @Test
    void anyRecipientNotDeliveredSendsTheWholeOutcomeToQueueService() throws Exception {
        RecipientResult deferred = new RecipientResult("b@example", Status.DEFERRED, new SmtpReply(451, "4.3.0", "later"),
                "4.3.0", "451 later");
        DeliveryOutcome o = outcome(1, List.of(delivered("a@example"), deferred), List.of());
        OutcomeRecords.Output out = records.of(o);
        assertEquals(1, out.records().size());
        assertEquals(Topics.OUTCOME, out.records().get(0).topic());
        assertEquals("m1", out.records().get(0).key());
        assertEquals(o, mapper.readValue(out.records().get(0).value(), DeliveryOutcome.class));
        assertNull(out.settled());
    }

    @Test
    void aRetriedAttemptGoesToQueueServiceForItsDuplicateCheck() {
        OutcomeRecords.Output out = records.of(outcome(2, List.of(delivered("a@example")), List.of()));
        assertEquals(List.of(Topics.OUTCOME), out.records().stream().map(ProducerRecord::topic).toList());
        assertNull(out.settled());
    }

    @Test
    void withPublishDeliveredOffEveryOutcomeGoesToQueueService() {
        OutcomeRecords off = new OutcomeRecords(Topics.OUTCOME, mapper.writer(), false, null, new EventMeters(registry));
        OutcomeRecords.Output out = off.of(outcome(1, List.of(delivered("a@example")), List.of()));
        assertEquals(List.of(Topics.OUTCOME), out.records().stream().map(ProducerRecord::topic).toList());
    }

    @Test
    void oneCommitsFinalMarksGoToTheQueueIndexInOneWrite() throws Exception {
        FakeRemoteCache index = new FakeRemoteCache();
        OutcomeRecords withMarks = new OutcomeRecords(Topics.OUTCOME, mapper.writer(), true,
                () -> FinalMarks.in(index.remote(), Duration.ofDays(7), Duration.ZERO), null);
        List<OutcomeRecords.Output> outs = List.of(
                withMarks.of(outcome(1, List.of(delivered("a@example"), delivered("b@example")), List.of())),
                withMarks.of(new DeliveryOutcome("m2", "m2/1/site", 1, "s", "r", List.of(delivered("c@example")), null, 1,
                        Delays.NONE, T, null)));
        outs.forEach(o -> o.settled().committed()); // one transaction's outputs, one after the other
        Poll.until(Duration.ofSeconds(5), Duration.ofMillis(10), () -> index.store.size(), n -> n == 3, n -> "marks " + n);
        assertEquals(1, index.calls("putAllAsync").size() + index.calls("putAll").size(), "one write for the commit");
        String mark = index.store.get(FinalMarks.PREFIX + FinalMarks.name("m1", "b@example"));
        assertNotNull(mark);
        assertEquals("delivered", mapper.readTree(mark).path("status").asText(), "the event is the index's final state");

        withMarks.of(outcome(1, List.of(delivered("d@example")), List.of())).settled().committed();
        withMarks.close(); // stop: what was gathered is written at once
        Poll.until(Duration.ofSeconds(5), Duration.ofMillis(10), () -> index.store.size(), n -> n == 4, n -> "marks " + n);
    }

    @Test
    void infinispanDownNeitherStopsNorLosesTheEventsLinesAndCounts() throws Exception {
        int[] opens = {0};
        OutcomeRecords down = new OutcomeRecords(Topics.OUTCOME, mapper.writer(), true, () -> {
            opens[0]++;
            throw new IllegalStateException("cache warmwire-queue-state not available");
        }, new EventMeters(registry));
        OutcomeRecords.Output out = down.of(outcome(1, List.of(delivered("a@example")), List.of()));
        assertEquals(List.of(Topics.EVENTS), out.records().stream().map(ProducerRecord::topic).toList());
        out.settled().committed();
        down.close();
        assertEquals(1, count("warmwire.events", "delivered"), "counted although the marks could not be written");
        assertEquals(1, opens[0], "opened at the first write, not at start");
    }
}
