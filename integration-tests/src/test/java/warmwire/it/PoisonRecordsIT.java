package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.ControlStateCheck;
import warmwire.contracts.check.DeliveryJobCheck;
import warmwire.contracts.check.DeliveryOutcomeCheck;
import warmwire.contracts.check.QueuedMessageCheck;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.check.RecordMutator;
import warmwire.contracts.check.Samples;
import warmwire.testing.Poll;

/**
 * Issue 11, "every consumer survives any record": poison records on every partition of every
 * internal topic a service reads (mail.route, mail.deliver, mail.outcome, mail.retry.1..5,
 * mail.control) - fuzzer mutants the record checks refuse, plus the three known cases - each
 * followed on its partition by a healthy record, while mail is submitted to the Postfix peer.
 * The healthy mail is delivered within a bound, every poison record is on mail.internal.dlq
 * with a reason, the services count them, and tls-session-service stays alive and ready.
 */
class PoisonRecordsIT {
    private static final Duration FLOW = Duration.ofSeconds(120);
    private static final int MUTANTS_PER_PARTITION = 2;

    private final Mesh mesh = Mesh.get();
    private final Instant now = Instant.now();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /** A poison record written: where it is, and what it was. */
    record Poison(String topic, int partition, long offset, String what) {
        String position() {
            return topic + "/" + partition + "@" + offset;
        }
    }

    @Test
    void poisonOnEveryPartitionIsDeadLetteredWhileHealthyMailBesideItIsDelivered() throws Exception {
        Map<String, JsonNode> dlq = new ConcurrentHashMap<>();
        Thread reader = deadLetterReader(dlq);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        List<Poison> poison = new ArrayList<>();
        List<String> healthy = new ArrayList<>();
        RecordMutator mutator = new RecordMutator(1111L);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (String topic : List.of("mail.route", "mail.deliver", "mail.outcome", "mail.retry.1", "mail.retry.2",
                    "mail.retry.3", "mail.retry.4", "mail.retry.5")) {
                int partitions = producer.partitionsFor(topic).size();
                for (int part = 0; part < partitions; part++) {
                    for (byte[] bad : poisonFor(topic, part, mutator)) {
                        poison.add(new Poison(topic, part, send(producer, topic, part, "poison-" + run, bad),
                                new String(bad, 0, Math.min(bad.length, 120), StandardCharsets.ISO_8859_1)));
                    }
                    if (topic.equals("mail.retry.1") && part == 0) {
                        // valid, but due in 45 s: on tier 1 (2 s) it must not hold the healthy record behind it
                        String later = "later-" + run;
                        send(producer, topic, part, later, Samples.queued(later, "later@tls.test", now,
                                now.plusSeconds(45)).getBytes(StandardCharsets.UTF_8));
                    }
                    String id = "healthy-" + run + "-" + topic + "-" + part;
                    healthy.add(id);
                    send(producer, topic, part, id, healthyFor(topic, id).getBytes(StandardCharsets.UTF_8));
                }
            }
            int controlPartitions = producer.partitionsFor("mail.control").size();
            for (int part = 0; part < controlPartitions; part++) {
                String key = "site:poison-" + run + "-" + part + ".test:25/may";
                for (byte[] bad : List.of("{\"suspended\":\"yes\"}".getBytes(StandardCharsets.UTF_8),
                        mutator.mutate(Samples.control(key, now), RecordMutator.Kind.GARBAGE).value(),
                        ("{\"held\":false,\"updatedAt\":\"9999-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8))) {
                    assertFalse(ControlStateCheck.check(key, bad, now).isValid());
                    poison.add(new Poison("mail.control", part, send(producer, "mail.control", part, key, bad), "control"));
                }
            }
        }
        for (int i = 0; i < 4; i++) {
            String id = "submitted-" + run + "-" + i;
            healthy.add(id);
            mesh.submit(id, Mail.withId(id, "sender@warmwire.test", "s" + i + "@tls.test").json());
        }

        long t0 = System.nanoTime();
        for (String id : healthy) {
            Duration left = FLOW.minusNanos(System.nanoTime() - t0);
            mesh.events.awaitEvents(e -> id.equals(e.path("id").asText()) && "delivered".equals(e.path("status").asText()),
                    1, left.isNegative() ? Duration.ZERO : left);
        }
        System.out.printf("[poison] %d healthy messages delivered in %d ms beside %d poison records%n", healthy.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), poison.size());

        Poll.until(Duration.ofSeconds(60), Duration.ofMillis(250),
                () -> poison.stream().filter(x -> !dlq.containsKey(x.position())).toList(), List::isEmpty,
                missing -> missing.size() + " poison record(s) not dead-lettered: " + missing);
        for (Poison x : poison) {
            JsonNode d = dlq.get(x.position());
            assertFalse(d.path("reason").asText().isBlank(), "no reason for " + x);
            assertTrue(Set.of("queue-service", "delivery-service", "tls-session-service").contains(d.path("service").asText()));
        }

        // tls-session-service alive (the mesh's default heap) and ready; every service counted its dead letters
        assertTrue(mesh.pidOf(Mesh.Part.SESSION).isPresent(), "tls-session-service is not running");
        mesh.awaitReady(Duration.ofSeconds(30), null);
        Map<String, Double> counted = new HashMap<>();
        List<Integer> ports = new java.util.ArrayList<>();
        for (int port : Mesh.SERVICE_PORTS) {
            ports.add(port);
        }
        for (int n = 2; n <= 9; n++) { // more tls-session-service instances (ShardMoveIT starts them) own partitions too
            if (mesh.sessionPid(n).isPresent()) {
                ports.add(Mesh.sessionPort(n));
            }
        }
        for (int port : ports) {
            String metrics = mesh.http("GET", port, "/q/metrics", null, null).body();
            metrics.lines().filter(l -> l.startsWith("warmwire_records_dead_lettered_total{")).forEach(l -> {
                String topic = l.replaceAll(".*topic=\"([^\"]*)\".*", "$1");
                counted.merge(topic, Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
            });
        }
        Map<String, Long> sent = new HashMap<>();
        poison.forEach(x -> sent.merge(x.topic(), 1L, Long::sum));
        for (Map.Entry<String, Long> e : sent.entrySet()) {
            assertTrue(counted.getOrDefault(e.getKey(), 0.0) >= e.getValue(),
                    e.getKey() + ": " + e.getValue() + " dead-lettered, counted " + counted.get(e.getKey()));
        }
        // the not-yet-due record was not lost: it is delivered at its own time
        mesh.events.awaitEvents(e -> ("later-" + run).equals(e.path("id").asText())
                && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(90));
        reader.interrupt();
    }

    /** Mutants the topic's check refuses, plus the known cases on partition 0. */
    private List<byte[]> poisonFor(String topic, int part, RecordMutator m) {
        RecordLimits l = RecordLimits.DEFAULT;
        List<byte[]> out = new ArrayList<>();
        String valid;
        Predicate<byte[]> refused;
        switch (topic) {
            case "mail.deliver" -> {
                valid = Samples.job("p-" + run, "p@tls.test", "127.0.0.1", Mesh.PEER_TLS_PORT, now);
                refused = b -> !DeliveryJobCheck.check(b, l, now).isValid();
                if (part == 0) {
                    out.add(valid.replaceFirst("\"endpoints\":\\[\\{[^]]*\\]", "\"endpoints\":[null]").getBytes(StandardCharsets.UTF_8));
                    out.add(valid.replace("\"recipients\":[\"p@tls.test\"]", "\"recipients\":[null]").getBytes(StandardCharsets.UTF_8));
                }
            }
            case "mail.outcome" -> {
                valid = Samples.outcome("p-" + run, "p@tls.test", "deferred", now);
                refused = b -> !DeliveryOutcomeCheck.check(b, l, now).isValid();
                if (part == 0) {
                    out.add("{\"messageId\":\"x\",\"results\":[{\"recipient\":\"a@b\"}]}".getBytes(StandardCharsets.UTF_8));
                }
            }
            default -> {
                valid = Samples.queued("p-" + run, "p@tls.test", now, topic.startsWith("mail.retry") ? now : null);
                refused = b -> !QueuedMessageCheck.check(b, l, now).isValid();
                out.add(Samples.queued("p-" + run, "p@tls.test", now, now.plus(Duration.ofDays(400)))
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        out.forEach(b -> assertTrue(refused.test(b), "a known poison record passes its check"));
        int tries = 0;
        int added = 0;
        while (added < MUTANTS_PER_PARTITION && tries++ < 100) {
            byte[] b = m.mutate(valid).value();
            if (refused.test(b)) {
                out.add(b);
                added++;
            }
        }
        return out;
    }

    /** A valid record of the topic that ends in a delivery to the Postfix peer (tls.test). */
    private String healthyFor(String topic, String id) {
        String rcpt = "h-" + Math.abs(id.hashCode() % 1000) + "@tls.test";
        return switch (topic) {
            case "mail.deliver" -> Samples.job(id, rcpt, "127.0.0.1", Mesh.PEER_TLS_PORT, now);
            case "mail.outcome" -> Samples.outcome(id, rcpt, "delivered", now);
            default -> Samples.queued(id, rcpt, now, topic.startsWith("mail.retry") ? now : null);
        };
    }

    private static long send(KafkaProducer<String, byte[]> producer, String topic, int partition, String key, byte[] value)
            throws Exception {
        RecordMetadata md = producer.send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS);
        return md.offset();
    }

    /** Reads mail.internal.dlq (read_committed) from its end into {@code into}, by source position. */
    private Thread deadLetterReader(Map<String, JsonNode> into) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> parts = c.partitionsFor("mail.internal.dlq", Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        Thread t = new Thread(() -> {
            try (c) {
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        JsonNode d = mesh.parse(r.value());
                        into.put(d.path("topic").asText() + "/" + d.path("partition").asInt() + "@" + d.path("offset").asLong(), d);
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // test over
            }
        }, "it-dlq");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
