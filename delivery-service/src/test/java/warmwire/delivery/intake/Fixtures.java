package warmwire.delivery.intake;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.contracts.Topics;
import warmwire.contracts.mail.TlsLevel;

/**
 * What the intake tests build their subjects from, without Kafka or Infinispan: an ObjectMapper
 * configured as Quarkus configures its own, intake with the defaults of application.properties,
 * mail.submit records, and the records of judged submissions by topic.
 */
final class Fixtures {
    private Fixtures() {
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().registerModule(new JavaTimeModule()).registerModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Intake with the shipped defaults, its envelopes written to {@code index}, no duplicate-id check. */
    static Intake intake(RemoteCache<String, String> index) {
        return new Intake(mapper(), index, Duration.ofDays(7).toSeconds(), 10 * 1024 * 1024, 1000, TlsLevel.MAY);
    }

    /** Client-id claims in {@code cache}, without retries. */
    static DuplicateIds ids(RemoteCache<String, String> cache) {
        return new DuplicateIds(cache, Duration.ofDays(7), Duration.ZERO);
    }

    /** A mail.submit record as the intake reads it: the value's UTF-8 bytes (null stays null). */
    static ConsumerRecord<String, byte[]> submitted(int partition, long offset, long timestamp, String key, String value) {
        return record(Topics.SUBMIT, partition, offset, timestamp, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    static <V> ConsumerRecord<String, V> record(String topic, int partition, long offset, long timestamp, String key, V value) {
        return new ConsumerRecord<>(topic, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1, key, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** The records the judged submissions end in, on {@code topic}. */
    static List<ProducerRecord<String, byte[]>> to(List<Intake.Judged> judged, String topic) {
        return judged.stream().flatMap(j -> j.out().stream()).filter(r -> r.topic().equals(topic)).toList();
    }

    /** How many of the judged submissions were accepted. */
    static long accepted(List<Intake.Judged> judged) {
        return judged.stream().map(Intake.Judged::accepted).filter(Objects::nonNull).count();
    }
}
