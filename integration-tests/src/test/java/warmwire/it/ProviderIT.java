package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   ProviderIT - a mailbox provider's limits hold across two of its sites.
 * DESCRIPTION
 *   Issue 15, "Providers". prov-a.test and prov-b.test are two sites (MX hosts a.mx.prov.test
 *   and b.mx.prov.test, both routed to this JVM's {@link SmtpSink}). The IT mesh's providers
 *   file (Mesh.java, WARMWIRE_PROVIDERS_FILE, read by delivery-service and tls-session-service)
 *   makes them one provider, {@link #PROVIDER}: mx prov.test, one connection across its sites,
 *   {@link #USES} deliveries per connection. 12 messages to each site at once:
 *   - every job on mail.deliver is keyed {@code provider:itprov} (one shard for both sites);
 *   - every message is delivered, and tls-session-service's gauge
 *     {@code warmwire_provider_connections{provider="itprov"}} never shows more than 1 meanwhile;
 *   - at the receiver, no connection of the two sites overlaps another (one at a time, across
 *     the sites, though each site alone may have 20), and none carries more than 3 messages.
 */
class ProviderIT {
    static final String PROVIDER = "itprov";
    static final String MX_A = "a.mx.prov.test";
    static final String MX_B = "b.mx.prov.test";
    static final int USES = 3;
    private final Mesh mesh = Mesh.get();

    /** The providers file of the IT mesh. */
    static String providersFile() {
        return String.join("\n", "# written by integration-tests Mesh.java for ProviderIT",
                "[" + PROVIDER + "]", "mx = prov.test", "max-connections = 1", "max-deliveries-per-connection = " + USES, "");
    }

    @Test
    void oneConnectionAtATimeAcrossTheProvidersSitesAndItsDeliveriesPerConnection() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        String u = UUID.randomUUID().toString().substring(0, 8);
        mesh.deliverOneTo("warm-" + u + "@prov-a.test"); // their sites alive before they are measured
        mesh.deliverOneTo("warm-" + u + "@prov-b.test");

        try (KafkaConsumer<String, byte[]> deliver = deliverTopic()) {
            List<Mail> mails = new ArrayList<>();
            List<String> rcpts = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                for (String domain : List.of("prov-a.test", "prov-b.test")) {
                    String rcpt = "p" + i + "-" + u + "@" + domain;
                    Mail m = new Mail("", rcpt);
                    mesh.submit(m.id, m.json());
                    mails.add(m);
                    rcpts.add(rcpt);
                }
            }
            // while they go: tls-session-service's gauge counts the provider's connections, never more than 1
            double peak = 0;
            long watchUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < watchUntil) {
                peak = Math.max(peak, providerConnections());
                Thread.sleep(20);
            }
            for (Mail m : mails) {
                JsonNode e = mesh.events.awaitEvents(m.id, 1, Duration.ofSeconds(90)).get(0);
                assertEquals("delivered", e.path("status").asText(), e.toString());
            }
            assertTrue(peak <= 1, "warmwire_provider_connections{provider=itprov} at most 1: " + peak);
            assertTrue(providerConnections() >= 0, "the gauge is there");

            // the jobs: keyed by the provider, so both sites are on one shard
            Map<String, String> keyById = new HashMap<>();
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (keyById.size() < mails.size() && System.nanoTime() < until) {
                for (ConsumerRecord<String, byte[]> r : deliver.poll(Duration.ofMillis(500))) {
                    String value = new String(r.value(), StandardCharsets.ISO_8859_1);
                    for (Mail m : mails) {
                        if (value.contains("\"messageId\":\"" + m.id + "\"")) {
                            keyById.put(m.id, r.key());
                        }
                    }
                }
            }
            assertEquals(mails.size(), keyById.size(), "every job seen on mail.deliver");
            assertEquals(Set.of("provider:" + PROVIDER), Set.copyOf(keyById.values()));

            // the receiver: one connection at a time across both sites, at most USES messages on each
            Map<Integer, Long> perConnection = rcpts.stream().flatMap(r -> sink.receivedFor(r).stream())
                    .collect(Collectors.groupingBy(SmtpSink.Received::connection, Collectors.counting()));
            Set<Integer> numbers = new TreeSet<>(perConnection.keySet());
            Map<Integer, Long> all = sink.received().stream().filter(r -> numbers.contains(r.connection()))
                    .collect(Collectors.groupingBy(SmtpSink.Received::connection, Collectors.counting()));
            System.out.println("ProviderIT: messages per connection " + all);
            assertTrue(all.values().stream().allMatch(n -> n <= USES), "at most " + USES + " per connection: " + all);
            assertTrue(numbers.size() >= 24 / USES, "24 messages need at least 8 connections: " + numbers);
            List<SmtpSink.Conn> conns = numbers.stream().map(sink::connection)
                    .sorted(Comparator.comparing(SmtpSink.Conn::opened)).toList();
            for (int i = 1; i < conns.size(); i++) {
                SmtpSink.Conn before = conns.get(i - 1);
                SmtpSink.Conn next = conns.get(i);
                assertTrue(before.ended() != null && !next.opened().isBefore(before.ended()),
                        "connection " + next.number() + " opened at " + next.opened() + " while connection "
                                + before.number() + " (" + before.opened() + " - " + before.ended() + ") was open");
            }
        }
    }

    /** tls-session-service's warmwire_provider_connections{provider="itprov"}; -1 when the gauge is missing. */
    private double providerConnections() throws Exception {
        String metrics = mesh.http("GET", Mesh.QUEUE_PORT + 2, "/q/metrics", null, null).body();
        return metrics.lines().filter(l -> l.startsWith("warmwire_provider_connections{") && l.contains("provider=\"" + PROVIDER + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    /** A consumer of every partition of mail.deliver from its end now (committed jobs only). */
    private KafkaConsumer<String, byte[]> deliverTopic() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor("mail.deliver").stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position); // resolve the end now, before the mail is submitted
        return c;
    }
}
