package warmwire.queue.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.queue.kafka.Fixtures;

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
    void aBatchForwardsValidMailAndDeadLettersTheRest() throws Exception {
        Fixtures.Cache cache = new Fixtures.Cache(false);
        Intake intake = new Intake(mapper, Fixtures.config(), cache.index());
        List<ConsumerRecord<String, byte[]>> poll = List.of(
                in(3, 40, "k1", "{\"id\":\"c-1\",\"from\":\"a@b.test\",\"to\":[\"d@e.test\"],\"content\":\"x\"}"),
                in(3, 41, "k2", "{not json"),
                in(3, 42, null, "{\"from\":\"a@b.test\",\"to\":[\"d@e.test\",\"f@e.test\"],\"content\":\"y\"}"),
                in(3, 43, "k4", "{\"id\":\"c-4\",\"from\":\"a@b.test\",\"to\":[\"ok@e.test\",\"bad\"],\"content\":\"x\"}"));
        List<ProducerRecord<String, byte[]>> sent = new ArrayList<>();
        List<Long> finished = new ArrayList<>();
        intake.start(poll, (r, out, settled) -> {
            finished.add(r.offset());
            sent.addAll(out);
        });
        assertEquals(List.of(40L, 41L, 42L, 43L), finished, "every record of the poll is finished, in order");
        // in input order: route c-1; dlq + 1 event for the unreadable record; route for the
        // id-less message; dlq + 2 events for c-4
        assertEquals(List.of(Topics.ROUTE, Topics.SUBMIT_DLQ, Topics.EVENTS, Topics.ROUTE, Topics.SUBMIT_DLQ,
                Topics.EVENTS, Topics.EVENTS), sent.stream().map(ProducerRecord::topic).toList());

        assertEquals("c-1", sent.get(0).key());
        assertEquals("c-1", Fixtures.queued(sent.get(0).value()).id());

        String assigned = Long.toString(T, 36) + ".3.42";
        assertEquals(assigned, Intake.assignedId(in(3, 42, null, "")));
        assertEquals(assigned, sent.get(3).key());
        QueuedMessage m = Fixtures.queued(sent.get(3).value());
        assertEquals(assigned, m.id());
        assertEquals(List.of("d@e.test", "f@e.test"), m.recipients());

        ProducerRecord<String, byte[]> dlq = sent.get(1);
        assertEquals("k2", dlq.key());
        assertEquals("{not json", Fixtures.text(dlq.value()));
        assertTrue(header(dlq, Topics.HEADER_REJECT_REASON).startsWith("malformed JSON"), header(dlq, Topics.HEADER_REJECT_REASON));
        assertEquals("mail.submit/3/41", header(dlq, "warmwire-source"));
        JsonNode unreadable = mapper.readTree(sent.get(2).value());
        assertEquals("rejected", unreadable.path("status").asText());
        assertTrue(unreadable.path("recipient").isMissingNode() || unreadable.path("recipient").isNull());

        ProducerRecord<String, byte[]> dlq4 = sent.get(4);
        assertEquals("k4", dlq4.key());
        assertEquals("mail.submit/3/43", header(dlq4, "warmwire-source"));
        JsonNode e1 = mapper.readTree(sent.get(5).value());
        JsonNode e2 = mapper.readTree(sent.get(6).value());
        assertEquals("c-4", sent.get(5).key());
        assertEquals("ok@e.test", e1.path("recipient").asText());
        assertEquals("bad", e2.path("recipient").asText());
        assertEquals("5.6.0", e2.path("dsn").asText());
        assertEquals(header(dlq4, Topics.HEADER_REJECT_REASON), e2.path("reason").asText());

        assertEquals(1, cache.putAlls().size());
        assertEquals(java.util.Set.of("m:c-1", "m:" + assigned), cache.putAlls().get(0).keySet());

    }

    @Test
    void aRecordThatIsNotUtf8IsDeadLetteredByteForByte() throws Exception {
        Intake intake = new Intake(mapper, Fixtures.config(), new Fixtures.Cache(false).index());
        byte[] latin1 = "{\"from\":\"a@b.test\",\"to\":[\"d@e.test\"],\"content\":\"gr\u00fc\u00df\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        ConsumerRecord<String, byte[]> r = Fixtures.record(Topics.SUBMIT, 1, 7, T, "k", latin1);
        List<ProducerRecord<String, byte[]>> out = intake.records(List.of(r), new Fixtures.Cache(false).index().batch(),
                java.time.Instant.ofEpochMilli(T));
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
