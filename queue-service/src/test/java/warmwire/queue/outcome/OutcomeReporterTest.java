package warmwire.queue.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.kafka.Batches;
import warmwire.queue.kafka.Fixtures;
import warmwire.queue.kafka.QueueProducer;

class OutcomeReporterTest {
    private final ObjectMapper mapper = Fixtures.mapper();

    static QueuedMessage message(String id, String from, String... rcpts) {
        return new QueuedMessage(id, from, List.of(rcpts),
                "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                TlsLevel.MAY, null, null, null, 1, Instant.now().minusSeconds(60));
    }

    static DeliveryOutcome outcome(String id, QueuedMessage m, RecipientResult... results) {
        return new DeliveryOutcome(id, id + "/1/x.test:25/may", 1, "x.test:25/may", "x.test[127.0.0.1]:25",
                List.of(results), null, 1, Delays.NONE, Instant.parse("2026-11-28T10:00:00Z")).withPending(m);
    }

    static RecipientResult ok(String r) {
        return new RecipientResult(r, Status.DELIVERED, new SmtpReply(250, "2.0.0", "ok"), null, null);
    }

    static RecipientResult later(String r) {
        return new RecipientResult(r, Status.DEFERRED, new SmtpReply(450, "4.2.0", "busy"), null, "host said: 450 busy");
    }

    static RecipientResult never(String r) {
        return new RecipientResult(r, Status.BOUNCED, new SmtpReply(550, "5.1.1", "no such user"), null, "host said: 550");
    }

    private ConsumerRecord<String, String> in(long offset, Object value) throws Exception {
        String json = value instanceof String s ? s : mapper.writeValueAsString(value);
        return Fixtures.record(Topics.OUTCOME, 0, offset, 0, null, json);
    }

    private static List<ProducerRecord<String, byte[]>> to(List<ProducerRecord<String, byte[]>> all, String topic) {
        return all.stream().filter(r -> r.topic().equals(topic)).collect(Collectors.toList());
    }

    @Test
    void aBatchBecomesEventsRetriesAndNoticesAndDeadLettersTheInvalidRecords() throws Exception {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        Fixtures.Cache cache = new Fixtures.Cache(false);
        OutcomeReporter reporter = new OutcomeReporter(mapper, cache.index(), Fixtures.config(), new QueueProducer(kafka));
        reporter.finals = new FinalEvents(cache.remote, Fixtures.config());
        DeliveryOutcome delivered = outcome("m1", null, ok("a@x.test"), ok("b@x.test"));
        DeliveryOutcome mixed = outcome("m2", message("m2", "s@y.test", "c@x.test", "d@x.test"),
                later("c@x.test"), never("d@x.test"));

        Fixtures.Acks batch = new Fixtures.Acks();
        CompletableFuture<Void> settled = Batches.settle(batch.message,
                reporter.publish(List.of(in(10, delivered), in(11, "{not json"), in(12, mixed),
                        in(13, "{\"messageId\":\"x\",\"results\":[{\"recipient\":\"a@b\"}]}")))).toCompletableFuture();

        List<ProducerRecord<String, byte[]>> sent = kafka.history();
        List<ProducerRecord<String, byte[]>> events = to(sent, Topics.EVENTS);
        assertEquals(List.of("m1", "m1", "m2", "m2"), events.stream().map(ProducerRecord::key).toList());
        // the event format is the DeliveryEvent record as JSON, as before
        List<DeliveryEvent> expected = new java.util.ArrayList<>(DeliveryEvent.ofOutcome(delivered, warmwire.contracts.classify.ReplyRules.defaults()));
        for (int i = 0; i < 2; i++) {
            assertEquals(mapper.writeValueAsString(expected.get(i)), Fixtures.text(events.get(i).value()));
        }
        JsonNode deferred = mapper.readTree(events.get(2).value());
        assertEquals("deferred", deferred.path("status").asText());
        assertNotNull(deferred.get("nextAttemptAt"), Fixtures.text(events.get(2).value()));
        assertEquals("bounced", mapper.readTree(events.get(3).value()).path("status").asText());
        // every recipient not delivered has a class; a delivered one has none
        assertTrue(deferred.path("class").isTextual(), deferred.toString());
        assertTrue(mapper.readTree(events.get(3).value()).path("class").isTextual());
        assertTrue(mapper.readTree(events.get(0).value()).path("class").isMissingNode());

        List<ProducerRecord<String, byte[]>> retries = to(sent, Topics.retry(1));
        assertEquals(1, retries.size());
        assertEquals("m2", retries.get(0).key());
        assertEquals("x.test:25/may", new String(retries.get(0).headers().lastHeader(Topics.HEADER_SITE).value(),
                StandardCharsets.UTF_8));
        QueuedMessage retry = Fixtures.queued(retries.get(0).value());
        assertEquals(List.of("c@x.test"), retry.recipients());
        assertEquals(2, retry.attempt());

        List<ProducerRecord<String, byte[]>> notices = to(sent, Topics.ROUTE);
        assertEquals(1, notices.size());
        QueuedMessage dsn = Fixtures.queued(notices.get(0).value());
        assertEquals(List.of("s@y.test"), dsn.recipients());
        assertEquals("", dsn.from());
        assertEquals(dsn.id(), notices.get(0).key());
        // both invalid records are dead letters of the same batch, with their positions and reasons
        List<ProducerRecord<String, byte[]>> dead = to(sent, Topics.INTERNAL_DLQ);
        assertEquals(2, dead.size());
        JsonNode notJson = mapper.readTree(dead.get(0).value());
        assertEquals(11, notJson.path("offset").asLong());
        assertEquals("queue-service", notJson.path("service").asText());
        assertTrue(notJson.path("reason").asText().startsWith("value: not JSON"), notJson.toString());
        assertEquals("{not json", notJson.path("value").asText());
        JsonNode noStatus = mapper.readTree(dead.get(1).value());
        assertEquals(13, noStatus.path("offset").asLong());
        assertEquals("results[0].status: missing", noStatus.path("reason").asText());
        assertEquals(sent.size(), events.size() + retries.size() + notices.size() + dead.size());

        // one index write for the batch's events that are not final, before publishing
        assertEquals(1, cache.putAlls().size());
        assertEquals(java.util.Set.of("r:m2:c@x.test"), cache.putAlls().get(0).keySet());

        for (int i = 1; i < sent.size(); i++) {
            assertTrue(kafka.completeNext());
            assertEquals(0, batch.acks.get(), "acked before all sends were acknowledged");
        }
        assertTrue(kafka.completeNext());
        settled.join();
        assertEquals(1, batch.acks.get());
        assertEquals(0, batch.nacks.get());
        // once published, one write of the final events: each f: entry is the mark and the index's final state
        assertEquals(2, cache.putAlls().size());
        Map<String, String> finals = cache.putAlls().get(1);
        assertEquals(java.util.Set.of("f:m1:a@x.test", "f:m1:b@x.test", "f:m2:d@x.test"), finals.keySet());
        JsonNode a = mapper.readTree(finals.get("f:m1:a@x.test"));
        assertEquals("a@x.test", a.path("recipient").asText());
        assertTrue(events.stream().anyMatch(e -> Fixtures.text(e.value()).equals(finals.get("f:m1:a@x.test"))),
                "the entry is the published event itself");
    }

    @Test
    void aFailedSendNacksTheBatchAndNothingIsAcked() throws Exception {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        OutcomeReporter reporter = new OutcomeReporter(mapper, new Fixtures.Cache(false).index(), Fixtures.config(),
                new QueueProducer(kafka));
        Fixtures.Acks batch = new Fixtures.Acks();
        CompletableFuture<Void> settled = Batches.settle(batch.message, reporter.publish(List.of(
                in(1, outcome("m1", null, ok("a@x.test"))), in(2, outcome("m2", null, ok("b@x.test"), ok("c@x.test"))))))
                .toCompletableFuture();
        assertEquals(3, kafka.history().size());
        assertTrue(kafka.completeNext());
        assertTrue(kafka.errorNext(new TimeoutException("expired before acknowledged")));
        assertTrue(kafka.completeNext());
        settled.join();
        assertEquals(0, batch.acks.get());
        assertEquals(1, batch.nacks.get());
    }

    @Test
    void infinispanDownNeitherBlocksNorFailsMail() throws Exception {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        OutcomeReporter reporter = new OutcomeReporter(mapper, new Fixtures.Cache(true).index(), Fixtures.config(),
                new QueueProducer(kafka));
        Fixtures.Acks batch = new Fixtures.Acks();
        CompletableFuture<Void> settled = Batches.settle(batch.message,
                reporter.publish(List.of(in(1, outcome("m1", null, ok("a@x.test")))))).toCompletableFuture();
        assertTrue(kafka.completeNext());
        settled.join();
        assertEquals(1, batch.acks.get());
    }

    @Test
    void aBatchOfOnlyInvalidRecordsIsAckedOnceItsDeadLettersAre() throws Exception {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        OutcomeReporter reporter = new OutcomeReporter(mapper, new Fixtures.Cache(false).index(), Fixtures.config(),
                new QueueProducer(kafka));
        Fixtures.Acks batch = new Fixtures.Acks();
        CompletableFuture<Void> settled = Batches.settle(batch.message,
                reporter.publish(List.of(in(7, "[]"), in(8, "null"), in(9, "{\"results\":")))).toCompletableFuture();
        assertEquals(3, kafka.history().size());
        assertTrue(kafka.history().stream().allMatch(r -> r.topic().equals(Topics.INTERNAL_DLQ)));
        assertEquals(0, batch.acks.get(), "acked before the dead letters were acknowledged");
        for (int i = 0; i < 3; i++) {
            assertTrue(kafka.completeNext());
        }
        settled.join();
        assertEquals(1, batch.acks.get());
    }

    @Test
    void onlyRetriedAttemptsAreCheckedForFinalEventsPublishedBefore() throws Exception {
        Fixtures.Cache cache = new Fixtures.Cache();
        cache.store.put("f:m1:a@x.test", "{}"); // as if published before
        cache.store.put("f:m2:b@x.test", "{}");
        OutcomeReporter reporter = new OutcomeReporter(mapper, new QueueIndex(cache.remote, mapper, Fixtures.config()),
                Fixtures.config(), new QueueProducer(Fixtures.producer()));
        reporter.finals = new FinalEvents(cache.remote, Fixtures.config());
        DeliveryOutcome first = outcome("m1", null, ok("a@x.test")); // attempt 1: exactly once upstream, not checked
        DeliveryOutcome retried = new DeliveryOutcome("m2", "m2/2/x.test:25/may", 2, "x.test:25/may", "x.test[127.0.0.1]:25",
                List.of(ok("b@x.test")), null, 1, Delays.NONE, Instant.now());
        OutcomeReporter.Prepared p = reporter.prepare(List.of(in(1, first), in(2, retried)), Instant.now());
        List<String> ids = to(p.records(), Topics.EVENTS).stream().map(ProducerRecord::key).toList();
        assertEquals(List.of("m1"), ids, "the retried attempt's event was published before: dropped");
        p.abandoned();
    }
}
