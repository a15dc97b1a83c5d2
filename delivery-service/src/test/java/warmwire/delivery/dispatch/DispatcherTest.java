package warmwire.delivery.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import warmwire.contracts.Topics;
import warmwire.contracts.check.DeliveryJobCheck;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.MailFrame;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import java.time.Duration;

/** The dispatcher in the running service, with a routes file and a loopback DNS server (no broker: it is called directly). */
@QuarkusTest
@WithTestResource(RoutingTestResource.class)
class DispatcherTest {

    @Inject
    Dispatcher dispatcher;

    @Inject
    ObjectMapper mapper;

    private final List<ProducerRecord<String, byte[]>> deliver = new CopyOnWriteArrayList<>();
    private final List<ProducerRecord<String, byte[]>> outcome = new CopyOnWriteArrayList<>();
    private final List<ProducerRecord<String, byte[]>> dead = new CopyOnWriteArrayList<>();
    private final List<Long> finished = new CopyOnWriteArrayList<>();
    private long offset;

    /** Routes one mail.route record; the output goes to the lists above. */
    private void send(String json) {
        send(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Routes one mail.route record: {@code value} as queue-service writes it (framed), or older JSON. */
    private void send(byte[] value) {
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(Topics.ROUTE, 0, offset++, "k", value);
        dispatcher.start(List.of(r), (rec, out, settled) -> {
            for (ProducerRecord<String, byte[]> p : out) {
                switch (p.topic()) {
                    case Topics.DELIVER -> deliver.add(p);
                    case Topics.OUTCOME -> outcome.add(p);
                    default -> dead.add(p);
                }
            }
            finished.add(rec.offset());
        });
    }


    private static Object key(ProducerRecord<String, byte[]> m) {
        return m.key();
    }

    /**
     * One poll of mail.submit and mail.route records, as the dispatch loop hands them over:
     * submissions are judged by intake (over a stand-in queue-index cache here) and the accepted
     * one routed at once; the rejected one ends in its dead letter and event; the queued message
     * of mail.route is routed as always. Every record is finished once, with its own output.
     */
    @Test
    void submissionsAreJudgedAndRoutedInTheSameHopAsQueuedMessages() throws Exception {
        warmwire.testing.FakeRemoteCache index = new warmwire.testing.FakeRemoteCache();
        io.quarkus.test.junit.QuarkusMock.installMockForType(
                new warmwire.delivery.intake.Intake(mapper, index.remote(), 3600, 10_000, 10, TlsLevel.MAY),
                warmwire.delivery.intake.Intake.class);
        String valid = "{\"id\":\"s1\",\"from\":\"a@src.test\",\"to\":[\"x@local.test\"],"
                + "\"content\":\"Subject: s1\\r\\n\\r\\nhi\\r\\n\"}";
        QueuedMessage retry = new QueuedMessage("q1", "sender@src.test", List.of("y@local.test"), "Retry".getBytes(),
                TlsLevel.MAY, null, null, null, 2, Instant.now());
        List<ConsumerRecord<String, byte[]>> poll = List.of(
                new ConsumerRecord<>(Topics.SUBMIT, 2, 40, "s1", valid.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new ConsumerRecord<>(Topics.SUBMIT, 2, 41, "s2", "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new ConsumerRecord<>(Topics.ROUTE, 0, 7, "q1", MailFrame.of(retry, mapper.writer())));
        java.util.Map<String, List<ProducerRecord<String, byte[]>>> out = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> order = new CopyOnWriteArrayList<>();
        dispatcher.start(poll, (rec, records, settled) -> {
            order.add(rec.topic() + "@" + rec.offset());
            out.put(rec.topic() + "@" + rec.offset(), records);
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> order.size() == 3);
        assertEquals(3, java.util.Set.copyOf(order).size(), "each record finished once: " + order);

        List<ProducerRecord<String, byte[]>> s1 = out.get("mail.submit@40");
        assertEquals(List.of(Topics.DELIVER), s1.stream().map(ProducerRecord::topic).toList(), "the accepted submission's job");
        DeliveryJob job = DeliveryJobCheck.check(s1.get(0).value(), RecordLimits.DEFAULT, Instant.now()).value();
        assertEquals("s1/1/127.0.0.1:2525/may", job.jobId());
        assertEquals(List.of("x@local.test"), job.recipients());
        assertEquals("Subject: s1\r\n\r\nhi\r\n", new String(job.content(), java.nio.charset.StandardCharsets.UTF_8));

        List<ProducerRecord<String, byte[]>> s2 = out.get("mail.submit@41");
        assertEquals(List.of(Topics.SUBMIT_DLQ, Topics.EVENTS), s2.stream().map(ProducerRecord::topic).toList(),
                "the rejected submission: its dead letter and its event, no job");
        assertEquals("{not json", new String(s2.get(0).value(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("rejected", mapper.readTree(s2.get(1).value()).path("status").asText());

        List<ProducerRecord<String, byte[]>> q1 = out.get("mail.route@7");
        assertEquals(List.of(Topics.DELIVER), q1.stream().map(ProducerRecord::topic).toList(), "the queued message's job");
        assertEquals("q1/2/127.0.0.1:2525/may",
                DeliveryJobCheck.check(q1.get(0).value(), RecordLimits.DEFAULT, Instant.now()).value().jobId());

        assertTrue(index.store.containsKey("m:s1"), "the accepted message's envelope in the queue index: " + index.store.keySet());
        assertEquals(1, index.store.size(), "no envelope for the rejected submission or the queued message");
    }

    @Test
    void routesByFileAndDnsAndBouncesAnUnknownDomain() throws Exception {
        QueuedMessage m = new QueuedMessage("t1", "sender@src.test",
                List.of("a@local.test", "b@dns.test", "c@nowhere.test", "d@LOCAL.test"), "Hello".getBytes(), TlsLevel.MAY,
                null, null, null, 1, Instant.now());
        send(MailFrame.of(m, mapper.writer()));
        await().atMost(Duration.ofSeconds(15)).until(() -> finished.size() == 1);
        assertEquals(2, deliver.size());
        assertEquals(1, outcome.size());

        ProducerRecord<String, byte[]> first = deliver.get(0);
        ProducerRecord<String, byte[]> second = deliver.get(1);
        ProducerRecord<String, byte[]> local = "127.0.0.1:2525/may".equals(key(first)) ? first : second;
        ProducerRecord<String, byte[]> viaDns = local == first ? second : first;
        assertEquals("127.0.0.1:2525/may", key(local));
        assertTrue(MailFrame.framed(local.value()), "mail.deliver carries the body as raw bytes after the envelope");
        DeliveryJob job = DeliveryJobCheck.check(local.value(), RecordLimits.DEFAULT, Instant.now()).value();
        assertEquals("t1/1/127.0.0.1:2525/may", job.jobId());
        assertEquals(List.of("a@local.test", "d@LOCAL.test"), job.recipients());
        assertEquals(List.of(new Endpoint("127.0.0.1", "127.0.0.1", 2525, 0)), job.endpoints());
        assertEquals("Hello", new String(job.content()));
        assertEquals(TlsLevel.MAY, job.tls());
        assertEquals(m.submittedAt(), job.submittedAt());

        assertEquals("mx1.dns.test:25/may", key(viaDns));
        DeliveryJob dnsJob = DeliveryJobCheck.check(viaDns.value(), RecordLimits.DEFAULT, Instant.now()).value();
        assertEquals(List.of("b@dns.test"), dnsJob.recipients());
        assertEquals(List.of(new Endpoint("mx1.dns.test", "127.0.0.2", 25, 10)), dnsJob.endpoints());

        ProducerRecord<String, byte[]> out = outcome.get(0);
        assertEquals("t1", key(out));
        DeliveryOutcome o = mapper.readValue(out.value(), DeliveryOutcome.class);
        assertEquals("none", o.relay());
        assertEquals(0, o.connectionUse());
        assertNull(o.jobId());
        assertEquals(1, o.results().size());
        RecipientResult r = o.results().get(0);
        assertEquals("c@nowhere.test", r.recipient());
        assertEquals(Status.BOUNCED, r.status());
        assertEquals("5.1.2", r.dsn());
        assertEquals(null, r.smtp(), "no server spoke");
        assertTrue(r.reason().contains("name=nowhere.test type=MX: Host not found"), r.reason());
    }

    @Test
    void nonPublicAddressesFromDnsAndLiteralsBounceUnlessAllowedOrRouted() throws Exception {
        QueuedMessage m = new QueuedMessage("t2", "sender@src.test",
                List.of("a@inside.test", "b@self.test", "c@[10.0.0.1]", "d@[127.0.0.2]", "e@local.test"),
                "Hello".getBytes(), TlsLevel.MAY, null, null, null, 1, Instant.now());
        send(mapper.writeValueAsString(m)); // the older form: JSON, the body base64 inside
        await().atMost(Duration.ofSeconds(15)).until(() -> finished.size() == 1);
        assertEquals(2, deliver.size());
        assertEquals(1, outcome.size());

        // [127.0.0.2] is in the allow-list; local.test's route names 127.0.0.1, the operator's choice
        List<Object> keys = deliver.stream().map(DispatcherTest::key).sorted().toList();
        assertEquals(List.of("127.0.0.1:2525/may", "127.0.0.2:25/may"), keys);

        DeliveryOutcome o = mapper.readValue(outcome.get(0).value(), DeliveryOutcome.class);
        assertEquals(3, o.results().size(), o.toString());
        for (RecipientResult r : o.results()) {
            assertEquals(Status.BOUNCED, r.status(), r.toString());
            switch (r.recipient()) {
                case "a@inside.test" -> {
                    assertEquals("5.4.4", r.dsn());
                    assertTrue(r.reason().contains("mx.inside.test[10.1.2.3] (private)"), r.reason());
                }
                case "b@self.test" -> {
                    assertEquals("5.4.6", r.dsn());
                    assertTrue(r.reason().contains("loops back to myself"), r.reason());
                }
                case "c@[10.0.0.1]" -> assertEquals("5.4.4", r.dsn());
                default -> throw new AssertionError("unexpected " + r);
            }
        }
    }

    @Test
    void aMalformedRecordBecomesADeadLetterAndTheNextIsRoutedAllTheSame() throws Exception {
        send("{not json");
        QueuedMessage m = new QueuedMessage("t2", "", List.of("x@local.test"), "Hi".getBytes(), null, null, null, null, 1,
                Instant.now());
        send(mapper.writeValueAsString(m));
        await().atMost(Duration.ofSeconds(15)).until(() -> finished.size() == 2);
        assertEquals(1, dead.size());
        assertEquals(Topics.INTERNAL_DLQ, dead.get(0).topic());
        String letter = new String(dead.get(0).value());
        assertTrue(letter.contains("\"service\":\"delivery-service\""), letter);
        assertEquals(1, deliver.size());
        assertEquals("127.0.0.1:2525/may", key(deliver.get(0)));
        assertFalse(new String(deliver.get(0).value()).contains("not json"));
        assertTrue(outcome.isEmpty());
    }

    @Test
    void logTextIsEscapedAndBounded() {
        assertEquals("id\\nforged", Dispatcher.logSafe("id\nforged"));
        assertTrue(Dispatcher.logSafe("x".repeat(4000)).length() <= 1024);
    }
}
