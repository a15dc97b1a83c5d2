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
