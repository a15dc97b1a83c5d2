package warmwire.delivery.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.testing.FakeRemoteCache;

class IntakeTest {
    private static final long T = 1_764_324_000_000L;
    private final ObjectMapper mapper = Fixtures.mapper();

    private static ConsumerRecord<String, byte[]> in(int partition, long offset, String key, String value) {
        return Fixtures.submitted(partition, offset, T, key, value);
    }

    private static String header(ProducerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aBatchAcceptsValidMailAndDeadLettersTheRest() throws Exception {
        FakeRemoteCache index = new FakeRemoteCache();
        Intake intake = Fixtures.intake(index.remote());
        List<ConsumerRecord<String, byte[]>> poll = List.of(
                in(3, 40, "k1", "{\"id\":\"c-1\",\"from\":\"a@b.test\",\"to\":[\"d@e.test\"],\"content\":\"x\"}"),
                in(3, 41, "k2", "{not json"),
                in(3, 42, null, "{\"from\":\"a@b.test\",\"to\":[\"d@e.test\",\"f@e.test\"],\"content\":\"y\"}"),
                in(3, 43, "k4", "{\"id\":\"c-4\",\"from\":\"a@b.test\",\"to\":[\"ok@e.test\",\"bad\"],\"content\":\"x\"}"));
        List<Intake.Judged> judged = intake.judge(poll, java.time.Instant.ofEpochMilli(T));
        assertEquals(4, judged.size(), "one verdict per record, in input order");
        // accepted: c-1 and the id-less message, nothing to write for them but their routes;
        // dlq + 1 event for the unreadable record; dlq + 2 events for c-4
        assertEquals("c-1", judged.get(0).accepted().id());
        assertEquals(List.of(), judged.get(0).out());
        assertEquals(null, judged.get(1).accepted());
        assertEquals(List.of(Topics.SUBMIT_DLQ, Topics.EVENTS), topics(judged.get(1).out()));
        assertEquals(List.of(Topics.SUBMIT_DLQ, Topics.EVENTS, Topics.EVENTS), topics(judged.get(3).out()));

        String assigned = Long.toString(T, 36) + ".3.42";
        assertEquals(assigned, Intake.assignedId(in(3, 42, null, "")));
        QueuedMessage m = judged.get(2).accepted();
        assertEquals(assigned, m.id());
        assertEquals(List.of("d@e.test", "f@e.test"), m.recipients());

        ProducerRecord<String, byte[]> dlq = judged.get(1).out().get(0);
        assertEquals("k2", dlq.key());
        assertEquals("{not json", Fixtures.text(dlq.value()));
        assertTrue(header(dlq, Topics.HEADER_REJECT_REASON).startsWith("malformed JSON"), header(dlq, Topics.HEADER_REJECT_REASON));
        assertEquals("mail.submit/3/41", header(dlq, "warmwire-source"));
        JsonNode unreadable = mapper.readTree(judged.get(1).out().get(1).value());
        assertEquals("rejected", unreadable.path("status").asText());
        assertTrue(unreadable.path("recipient").isMissingNode() || unreadable.path("recipient").isNull());

        List<ProducerRecord<String, byte[]>> c4 = judged.get(3).out();
        assertEquals("k4", c4.get(0).key());
        assertEquals("mail.submit/3/43", header(c4.get(0), "warmwire-source"));
        JsonNode e1 = mapper.readTree(c4.get(1).value());
        JsonNode e2 = mapper.readTree(c4.get(2).value());
        assertEquals("c-4", c4.get(1).key());
        assertEquals("ok@e.test", e1.path("recipient").asText());
        assertEquals("bad", e2.path("recipient").asText());
        assertEquals("5.6.0", e2.path("dsn").asText());
        assertEquals(header(c4.get(0), Topics.HEADER_REJECT_REASON), e2.path("reason").asText());

        // the envelopes of the accepted messages, in one write to the queue index (Envelopes)
        List<Object[]> writes = index.calls("putAllAsync");
        assertEquals(1, writes.size());
        @SuppressWarnings("unchecked")
        java.util.Map<String, String> envelopes = (java.util.Map<String, String>) writes.get(0)[0];
        assertEquals(java.util.Set.of("m:c-1", "m:" + assigned), envelopes.keySet());
        JsonNode envelope = mapper.readTree(envelopes.get("m:c-1"));
        assertEquals("a@b.test", envelope.path("from").asText());
        assertEquals("d@e.test", envelope.path("recipients").path(0).asText());
    }

    private static List<String> topics(List<ProducerRecord<String, byte[]>> out) {
        return out.stream().map(ProducerRecord::topic).toList();
    }

    @Test
    void aRecordThatIsNotUtf8IsDeadLetteredByteForByte() throws Exception {
        Intake intake = Fixtures.intake(new FakeRemoteCache().remote());
        byte[] latin1 = "{\"from\":\"a@b.test\",\"to\":[\"d@e.test\"],\"content\":\"gr\u00fc\u00df\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        ConsumerRecord<String, byte[]> r = Fixtures.record(Topics.SUBMIT, 1, 7, T, "k", latin1);
        List<ProducerRecord<String, byte[]>> out = intake.judge(List.of(r), java.time.Instant.ofEpochMilli(T)).get(0).out();
        assertEquals(List.of(Topics.SUBMIT_DLQ, Topics.EVENTS), out.stream().map(ProducerRecord::topic).toList());
        org.junit.jupiter.api.Assertions.assertArrayEquals(latin1, out.get(0).value(), "the client's bytes, not a re-encoding");
        assertTrue(header(out.get(0), Topics.HEADER_REJECT_REASON).startsWith("record is not UTF-8 text"),
                header(out.get(0), Topics.HEADER_REJECT_REASON));
        assertEquals("rejected", mapper.readTree(out.get(1).value()).path("status").asText());
    }

    @Test
    void clientTextIsEscapedAndBoundedForLogLines() {
        assertEquals("id\\r\\nforged: line\\x1b[0m", Intake.logSafe("id\r\nforged: line\u001b[0m"));
        assertEquals("plain-id", Intake.logSafe("plain-id"));
        assertTrue(Intake.logSafe("x".repeat(5000)).length() <= 1024);
        assertEquals(null, Intake.logSafe(null));
    }
}
