package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * NAME
 *   CrashSafetyIT - kill -9 of each part of the mesh while mail flows loses no mail.
 * DESCRIPTION
 *   Issue 4, "Crash safety". Thousands of messages (system property
 *   {@code warmwire.it.crash.messages}, default 2000) go to mail.submit at a steady pace
 *   ({@code warmwire.it.crash.rate} per second, default 25), one recipient each at tls.test,
 *   plain.test or mx.test (all the real Postfix peer); every 4th has a second recipient,
 *   bounce@tls.test, which the peer answers 550, so bounces and their DSNs (to the sender at
 *   plain.test, the same peer) are under fire too, and so is queue-service's outcome loop: a
 *   first attempt delivered to every recipient has its events published by
 *   tls-session-service's delivery loop, a mixed one goes through queue-service. Meanwhile, one after another, at even steps
 *   of the submissions: kill -9 of tls-session-service, queue-service, delivery-service, the
 *   Kafka broker and Infinispan Server, each started again with the deploy/local scripts before
 *   the next kill (Mesh#kill9, Mesh#restart).
 *   Then, bounded by {@code warmwire.it.crash.drain-seconds} (default 150) after the last
 *   submission, it waits until every message-recipient has a final event, lets 5 s pass for
 *   late duplicates, and asserts, reading mail.events with isolation.level=read_committed:
 *   - exactly one final event (delivered, bounced, expired) per message-recipient, and it is
 *     delivered (bounced for bounce@tls.test): the peer accepts every other recipient;
 *   - every delivered recipient reached the peer: its Message-ID and to=&lt;rcpt&gt; status=sent
 *     in the peer's log (PeerLog);
 *   - every bounced message's sender got exactly one final event for its DSN, delivered, and the
 *     DSN (Message-ID &lt;id.dsn.N@...&gt;) reached the peer.
 *   It prints the counts: events by status, redeliveries (copies of one message for one
 *   recipient at the peer beyond the first), and per kill the restart time and the time until a
 *   message submitted after the kill got its final event.
 */
class CrashSafetyIT {
    private static final int MESSAGES = Integer.getInteger("warmwire.it.crash.messages", 2000);
    private static final double RATE = Double.parseDouble(System.getProperty("warmwire.it.crash.rate", "25"));
    private static final Duration DRAIN = Duration.ofSeconds(Long.getLong("warmwire.it.crash.drain-seconds", 150));
    private static final int BOUNCE_EVERY = 4;
    private static final String BOUNCE_RCPT = "bounce@tls.test";
    private static final List<String> DOMAINS = List.of("tls.test", "plain.test", "mx.test");
    private static final List<Mesh.Part> KILLS = List.of(Mesh.Part.SESSION, Mesh.Part.QUEUE, Mesh.Part.DELIVERY,
            Mesh.Part.KAFKA, Mesh.Part.INFINISPAN);

    private final Mesh mesh = Mesh.get();

    private record Kill(Mesh.Part part, long pid, Instant at, Duration restart) {
    }

    private record Arrival(JsonNode event, Instant at) {
    }

    @Test
    void killNineOfEveryPartWhileMailFlowsLosesNothing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String sender = "crash-" + run + "@plain.test";
        List<Mail> mails = new ArrayList<>();
        Map<String, String> expected = new LinkedHashMap<>(); // id \0 rcpt -> final status expected
        for (int i = 0; i < MESSAGES; i++) {
            String id = String.format("crash-%s-%05d", run, i);
            Mail m;
            if (i % BOUNCE_EVERY == 0) {
                m = Mail.withId(id, sender, "r" + i + "@tls.test", BOUNCE_RCPT);
            } else {
                m = Mail.withId(id, sender, "r" + i + "@" + DOMAINS.get(i % DOMAINS.size()));
            }
            mails.add(m);
            for (String rcpt : m.to) {
                expected.put(key(id, rcpt), rcpt.equals(BOUNCE_RCPT) ? "bounced" : "delivered");
            }
        }
        List<String> bounced = mails.stream().filter(m -> m.to.contains(BOUNCE_RCPT)).map(m -> m.id).toList();
        System.out.printf("CrashSafetyIT: %d messages (%d recipients) at %.0f/s, kills %s%n", MESSAGES, expected.size(),
                RATE, KILLS);

        try (CommittedEvents events = new CommittedEvents(mesh.bootstrap, mesh.json, "crash-" + run + "-");
             KafkaProducer<String, String> producer = producer()) {
            Instant[] submittedAt = new Instant[MESSAGES];
            AtomicInteger submitted = new AtomicInteger();
            AtomicInteger acked = new AtomicInteger();
            List<String> sendFailures = new CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            Thread submitter = new Thread(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    long due = t0 + (long) (i * 1e9 / RATE);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    Mail m = mails.get(i);
                    submittedAt[i] = Instant.now();
                    producer.send(new ProducerRecord<>("mail.submit", m.id, m.json()), (md, ex) -> {
                        if (ex != null) {
                            sendFailures.add(m.id + ": " + ex);
                        }
                        acked.incrementAndGet();
                    });
                    submitted.incrementAndGet();
                }
            }, "crash-submitter");
            submitter.start();

            List<Kill> kills = new ArrayList<>();
            for (int k = 0; k < KILLS.size(); k++) {
                int at = MESSAGES * (k + 1) / (KILLS.size() + 1);
                while (submitted.get() < at && submitter.isAlive()) {
                    Thread.sleep(50);
                }
                mesh.awaitReady(Duration.ofMinutes(2), null);
                Mesh.Part part = KILLS.get(k);
                Instant killedAt = Instant.now();
                long pid = mesh.kill9(part);
                Duration restart = mesh.restart(part);
                System.out.printf("CrashSafetyIT: kill -9 %s (pid %d) after %d submissions; ready again in %.1f s%n",
                        part.marker, pid, submitted.get(), restart.toMillis() / 1000.0);
                kills.add(new Kill(part, pid, killedAt, restart));
            }
            submitter.join();
            producer.flush();
            Poll.until(Duration.ofMinutes(3), Duration.ofMillis(100), acked::get, n -> n >= MESSAGES,
                    n -> "the broker acknowledged " + n + " of " + MESSAGES + " submissions");
            assertTrue(sendFailures.isEmpty(), "submissions the broker refused (test harness, not the mesh): " + sendFailures);
            Instant lastSubmitted = Instant.now();
            System.out.printf("CrashSafetyIT: all %d submitted and acknowledged in %.1f s%n", MESSAGES,
                    (System.nanoTime() - t0) / 1e9);

            // every message-recipient gets a final event, bounded
            long deadline = System.nanoTime() + DRAIN.toNanos();
            long nextReport = 0;
            while (true) {
                List<Arrival> now = events.arrivals();
                Map<String, List<JsonNode>> finals = finalsByKey(now);
                long done = expected.keySet().stream().filter(finals::containsKey).count();
                java.util.Set<String> dsnOf = now.stream().map(Arrival::event)
                        .filter(e -> e.path("id").asText().contains(".dsn.") && Events.isFinal(e))
                        .map(e -> e.path("id").asText().substring(0, e.path("id").asText().indexOf(".dsn.")))
                        .collect(Collectors.toSet());
                boolean dsnsDone = dsnOf.containsAll(bounced);
                if (done == expected.size() && dsnsDone) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                if (System.nanoTime() > nextReport) {
                    System.out.printf("CrashSafetyIT: %d of %d recipients final%n", done, expected.size());
                    nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                }
                Thread.sleep(500);
            }
            Thread.sleep(5000); // late duplicates would show now
            List<Arrival> arrivals = events.arrivals();
            System.out.printf("CrashSafetyIT: drained %.1f s after the last submission%n",
                    Duration.between(lastSubmitted, Instant.now()).toMillis() / 1000.0);

            // 1. exactly one final event per message-recipient, of the expected status
            Map<String, List<JsonNode>> finals = finalsByKey(arrivals);
            Map<String, Integer> byStatus = new TreeMap<>();
            arrivals.forEach(a -> byStatus.merge(a.event().path("status").asText(), 1, Integer::sum));
            List<String> lost = new ArrayList<>();
            List<String> duplicated = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            expected.forEach((k, want) -> {
                List<JsonNode> f = finals.getOrDefault(k, List.of());
                if (f.isEmpty()) {
                    lost.add(k.replace('\0', ' '));
                } else if (f.size() > 1) {
                    duplicated.add(k.replace('\0', ' ') + " " + f.stream().map(e -> e.path("status").asText()).toList());
                } else if (!want.equals(f.get(0).path("status").asText())) {
                    wrong.add(k.replace('\0', ' ') + " " + f.get(0));
                }
            });

            // 2. the peer has every delivered recipient; copies beyond the first are redeliveries
            Map<String, List<PeerLog.Copy>> copies = Map.of();
            List<String> notAtPeer = new ArrayList<>();
            long peerDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            do {
                copies = PeerLog.copies(mesh.peerLog());
                notAtPeer.clear();
                for (Mail m : mails) {
                    for (String rcpt : m.to) {
                        if (!rcpt.equals(BOUNCE_RCPT) && PeerLog.copiesTo(copies, m.messageId, rcpt) == 0) {
                            notAtPeer.add(m.id + " " + rcpt);
                        }
                    }
                }
                if (notAtPeer.isEmpty()) {
                    break;
                }
                Thread.sleep(1000);
            } while (System.nanoTime() < peerDeadline);
            int redeliveries = 0;
            for (Mail m : mails) {
                for (String rcpt : m.to) {
                    redeliveries += Math.max(0, PeerLog.copiesTo(copies, m.messageId, rcpt) - 1);
                }
            }

            // 3. each bounce's DSN: one final event, delivered, at the peer
            List<String> dsnProblems = new ArrayList<>();
            int dsnRedeliveries = 0;
            for (String id : bounced) {
                Map<String, List<JsonNode>> dsnFinals = arrivals.stream().map(Arrival::event)
                        .filter(e -> e.path("id").asText().startsWith(id + ".dsn.") && Events.isFinal(e))
                        .collect(Collectors.groupingBy(e -> key(e.path("id").asText(), e.path("recipient").asText())));
                if (dsnFinals.size() != 1) {
                    dsnProblems.add(id + ": " + dsnFinals.size() + " DSN(s) with final events " + dsnFinals.keySet());
                    continue;
                }
                List<JsonNode> f = dsnFinals.values().iterator().next();
                String dsnId = f.get(0).path("id").asText();
                if (f.size() != 1 || !"delivered".equals(f.get(0).path("status").asText())
                        || !sender.equalsIgnoreCase(f.get(0).path("recipient").asText())) {
                    dsnProblems.add(id + ": DSN final events " + f);
                    continue;
                }
                int n = copies.entrySet().stream().filter(e -> e.getKey().startsWith(dsnId + "@"))
                        .mapToInt(e -> PeerLog.copiesTo(Map.of(e.getKey(), e.getValue()), e.getKey(), sender)).sum();
                if (n == 0) {
                    dsnProblems.add(id + ": DSN " + dsnId + " not in the peer's log");
                }
                dsnRedeliveries += Math.max(0, n - 1);
            }

            // report
            System.out.printf("CrashSafetyIT: events by status %s%n", byStatus);
            System.out.printf("CrashSafetyIT: %d recipients expected, %d lost, %d with more than one final event, "
                    + "%d with another final status, %d delivered but not at the peer%n",
                    expected.size(), lost.size(), duplicated.size(), wrong.size(), notAtPeer.size());
            System.out.printf("CrashSafetyIT: redeliveries at the peer: %d (messages), %d (DSNs)%n", redeliveries, dsnRedeliveries);
            for (Kill k : kills) {
                Duration recover = recovery(k.at(), mails, submittedAt, arrivals);
                System.out.printf("CrashSafetyIT: %-20s restart %5.1f s, first final event of mail submitted after the kill"
                        + " %s%n", k.part().marker, k.restart().toMillis() / 1000.0,
                        recover == null ? "none" : String.format("%.1f s after the kill", recover.toMillis() / 1000.0));
            }
            assertTrue(lost.isEmpty(), lost.size() + " message-recipients without a final event (lost?), e.g. " + head(lost));
            assertTrue(duplicated.isEmpty(), duplicated.size() + " message-recipients with several final events, e.g. "
                    + head(duplicated));
            assertTrue(wrong.isEmpty(), wrong.size() + " message-recipients with an unexpected final status, e.g. " + head(wrong));
            assertTrue(notAtPeer.isEmpty(), notAtPeer.size() + " delivered recipients not at the peer, e.g. " + head(notAtPeer));
            assertTrue(dsnProblems.isEmpty(), dsnProblems.size() + " bounces without exactly one delivered DSN, e.g. "
                    + head(dsnProblems));
        }
    }

    private static String key(String id, String rcpt) {
        return id + '\0' + rcpt.toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, List<JsonNode>> finalsByKey(List<Arrival> arrivals) {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        for (Arrival a : arrivals) {
            if (Events.isFinal(a.event())) {
                out.computeIfAbsent(key(a.event().path("id").asText(), a.event().path("recipient").asText()),
                        k -> new ArrayList<>()).add(a.event());
            }
        }
        return out;
    }

    /** From the kill to the first final event (arrival) of a message submitted after it. */
    private static Duration recovery(Instant killedAt, List<Mail> mails, Instant[] submittedAt, List<Arrival> arrivals) {
        Map<String, Instant> submitted = new ConcurrentHashMap<>();
        for (int i = 0; i < mails.size(); i++) {
            if (submittedAt[i] != null && !submittedAt[i].isBefore(killedAt)) {
                submitted.put(mails.get(i).id, submittedAt[i]);
            }
        }
        return arrivals.stream().filter(a -> Events.isFinal(a.event()) && submitted.containsKey(a.event().path("id").asText()))
                .map(Arrival::at).min(Instant::compareTo).map(t -> Duration.between(killedAt, t)).orElse(null);
    }

    private static String head(List<String> l) {
        return l.stream().limit(20).collect(Collectors.joining("\n  ", "\n  ", l.size() > 20 ? "\n  ..." : ""));
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"); // a retried send never doubles a submission
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TimeUnit.MINUTES.toMillis(4)); // outlives a broker restart
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TimeUnit.MINUTES.toMillis(4));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /**
     * mail.events as a careful consumer reads it: isolation.level=read_committed (events written
     * in an aborted transaction never count), every partition, from the end as it was when the
     * test began; keeps the events whose id starts with {@code prefix}, with their arrival time.
     */
    private static final class CommittedEvents implements AutoCloseable {
        private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        private final Thread poller;
        private volatile boolean running = true;

        CommittedEvents(String bootstrap, ObjectMapper json, String prefix) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : consumer.partitionsFor("mail.events", Duration.ofSeconds(30))) {
                parts.add(new TopicPartition("mail.events", pi.partition()));
            }
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            poller = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.key() != null && !r.key().startsWith(prefix) && (r.value() == null || !r.value().contains(prefix))) {
                                continue;
                            }
                            try {
                                JsonNode e = json.readTree(r.value());
                                if (e.path("id").asText().startsWith(prefix)) {
                                    arrivals.add(new Arrival(e, Instant.now()));
                                }
                            } catch (Exception e) {
                                // not an event of ours
                            }
                        }
                    }
                }
            }, "crash-events");
            poller.setDaemon(true);
            poller.start();
        }

        List<Arrival> arrivals() {
            return List.copyOf(arrivals);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            poller.join(5000);
        }
    }
}
