import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * NAME
 *   BenchDriver - Kafka side of the Warmwire benchmark: submit load, watch outcomes
 * DESCRIPTION
 *   submit BOOTSTRAP RUNID N SIZE DOMAINS TLS SUFFIX
 *     writes N submissions of about SIZE bytes to mail.submit as fast as the broker acks them
 *     (acks=all, at most 2,000 in flight), recipient u<i>@d<(i mod DOMAINS)+1>.<SUFFIX>, id RUNID-i;
 *     prints one JSON line: first send and last ack (epoch ms), and its own CPU time while sending
 *     (cpu_ms).
 *   submit BOOTSTRAP RUNID N SIZE DOMAINS TLS SUFFIX RATE SENTFILE
 *     the same at RATE submissions per second (message i is sent at first + i/RATE, so a late
 *     send never makes the following ones bunch up beyond the window), and writes "i epoch_ms" of
 *     each send call to SENTFILE: the submission times of the latency phase.
 *   submit BOOTSTRAP RUNID N SIZE DOMAINS TLS SUFFIX RATE SENTFILE GATE
 *     the same, but once its producer is connected and warm (every value made, the send path
 *     compiled on the scratch topic bench.warmup) it prints READY and starts only when the file
 *     GATE exists: the JVM's start-up and warm-up are not in the measured time, nor on the CPU
 *     beside the mesh.
 *   watch BOOTSTRAP RUNID N TIMEOUT_S OUTFILE
 *     reads mail.events from its current end (prints READY once positioned), counts the final
 *     state of the N messages of RUNID, and writes a JSON summary to OUTFILE when all N are final
 *     or at the timeout: counts per status, first/10 %/last delivered (epoch ms, receive time),
 *     how many outcomes said connectionUse=1 and tls.resumed=true, and its own CPU time from READY
 *     on (cpu_ms). Exit 0 when all N delivered.
 *   watch BOOTSTRAP RUNID N TIMEOUT_S OUTFILE ARRIVALS
 *     the same, and writes "i epoch_ms" to ARRIVALS for each message whose delivered event it read
 *     (receive time of a read_committed consumer: what a user of mail.events sees).
 *   end-offsets BOOTSTRAP TOPIC
 *     prints the sum of TOPIC's end offsets.
 *   hops BOOTSTRAP RUNID SINCE_MS OUTFILE
 *     where the time goes between submission and event: per message of RUNID the producer
 *     timestamp (CreateTime) of its first record on mail.submit, mail.route, mail.deliver,
 *     mail.outcome and mail.events (read from SINCE_MS on), and per hop the list of differences
 *     (ms, ascending) as JSON to OUTFILE; tools.py summarises them. OUTFILE.msgs has one line per
 *     message: its number and the first timestamp on each topic (-1: none). Each timestamp is taken when
 *     the producing service called send, so a hop is the next service's consume-and-work time
 *     plus its producer's linger.
 */
public final class BenchDriver {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern MESSAGE_ID = Pattern.compile("\"messageId\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"");
    private static final Pattern USE = Pattern.compile("\"connectionUse\"\\s*:\\s*(\\d+)");
    private static final Pattern RESUMED = Pattern.compile("\"resumed\"\\s*:\\s*true");
    private static final Pattern REASON = Pattern.compile("\"(?:reason|text)\"\\s*:\\s*\"([^\"]{0,200})");

    public static void main(String[] a) throws Exception {
        switch (a.length > 0 ? a[0] : "") {
            case "submit" -> submit(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]), a[6], a[7], a.length > 9 ? Double.parseDouble(a[8]) : 0,
                    a.length > 9 ? Path.of(a[9]) : null, a.length > 10 ? Path.of(a[10]) : null);
            case "watch" -> System.exit(watch(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), Path.of(a[5]),
                    a.length > 6 ? Path.of(a[6]) : null));
            case "end-offsets" -> System.out.println(endOffsets(a[1], a[2]));
            case "hops" -> hops(a[1], a[2], Long.parseLong(a[3]), Path.of(a[4]));
            default -> {
                System.err.println("usage: BenchDriver submit|watch|end-offsets ...");
                System.exit(2);
            }
        }
    }

    static String body(int size) {
        StringBuilder b = new StringBuilder(size + 100);
        String line = "The quick brown fox jumps over the lazy dog; warmwire benchmark filler 0123456789.\r\n";
        while (b.length() < size) {
            b.append(line);
        }
        b.setLength(size);
        return b.toString();
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static void submit(String bootstrap, String run, int n, int size, int domains, String tls, String suffix,
                       double rate, Path sentFile, Path gate) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", "262144");
        p.put("max.request.size", "16777216");
        p.put("compression.type", "none");
        String filler = json(body(Math.max(0, size - 200)));
        // every value is made before the clock starts: the measured window holds the send calls
        // and the producer's own work, not the harness's string building
        String[] ids = new String[n];
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            String id = run + "-" + i;
            String rcpt = "u" + i + "@d" + (i % domains + 1) + "." + suffix;
            String content = "From: <bench@sender.bench>\\r\\nTo: <" + rcpt + ">\\r\\nSubject: bench " + id
                    + "\\r\\nMessage-ID: <" + id + "@sender.bench>\\r\\n\\r\\n" + filler;
            ids[i] = id;
            values[i] = ("{\"id\":\"" + id + "\",\"from\":\"bench@sender.bench\",\"to\":[\"" + rcpt
                    + "\"],\"content\":\"" + content + "\"" + (tls.isEmpty() ? "" : ",\"tls\":\"" + tls + "\"") + "}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        Semaphore window = new Semaphore(2000);
        AtomicLong lastAck = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long first;
        long cpu0;
        long[] sent = new long[n];
        try (KafkaProducer<String, byte[]> prod = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            prod.partitionsFor("mail.submit");
            if (gate != null) { // started and connected: the clock starts when the gate file appears
                warmUp(bootstrap, prod, values);
                System.out.println("READY");
                System.out.flush();
                while (!Files.exists(gate)) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
            cpu0 = cpuNanos();
            first = System.currentTimeMillis();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                window.acquire();
                sent[i] = System.currentTimeMillis();
                prod.send(new ProducerRecord<>("mail.submit", ids[i], values[i]), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    lastAck.accumulateAndGet(System.currentTimeMillis(), Math::max);
                    window.release();
                });
                values[i] = null;
            }
            prod.flush();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        if (sentFile != null) {
            StringBuilder b = new StringBuilder(n * 20);
            for (int i = 0; i < n; i++) {
                b.append(i).append(' ').append(sent[i]).append('\n');
            }
            Files.writeString(sentFile, b, StandardCharsets.UTF_8);
        }
        System.out.printf("{\"first_send_ms\":%d,\"last_ack_ms\":%d,\"n\":%d,\"cpu_ms\":%d}%n", first, lastAck.get(), n,
                (cpuNanos() - cpu0) / 1_000_000);
    }

    /**
     * Before the gate: the send path (this JVM runs C1 only) is compiled by sending up to 3,000 of
     * the phase's values to the scratch topic bench.warmup, which nothing in the mesh reads, so
     * that neither the interpreter nor the compiler runs on the mesh's cores in the measured
     * window. The topic is made here when missing (one partition, kept a minute).
     */
    static void warmUp(String bootstrap, KafkaProducer<String, byte[]> prod, byte[][] values) throws Exception {
        String topic = "bench.warmup";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("retention.ms", "60000"))))
                    .all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        int k = Math.min(values.length, 3000);
        for (int i = 0; i < k; i++) {
            prod.send(new ProducerRecord<>(topic, "warm-" + i, values[i]), (md, e) -> { });
        }
        prod.flush();
    }

    /** This JVM's CPU time so far (all threads, user and system). */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.auto.commit", "false");
        // every service that writes events does so in Kafka transactions: count committed ones only
        p.put("isolation.level", "read_committed");
        p.put("max.partition.fetch.bytes", "16777216");
        // as the mesh's own consumers: a fetch that finds nothing waits at the broker (the commit
        // that makes events visible answers it at once) instead of costing the broker, on the
        // mesh's cores, a request every 20 ms of the measured window
        p.put("fetch.max.wait.ms", "500");
        p.put("max.poll.records", "5000");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
    }

    static long endOffsets(String bootstrap, String topic) {
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            return c.endOffsets(partitions(c, topic), Duration.ofSeconds(30)).values().stream()
                    .mapToLong(Long::longValue).sum();
        }
    }

    static int watch(String bootstrap, String run, int n, int timeoutS, Path out, Path arrivalsFile)
            throws IOException {
        String prefix = run + "-";
        Map<String, String> finalState = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Set<String> delivered = new HashSet<>();
        List<String> samples = new ArrayList<>();
        StringBuilder arrivals = new StringBuilder();
        long firstDelivered = 0, tenth = 0, lastDelivered = 0, fresh = 0, resumed = 0, deferredEvents = 0, cpu0 = 0;
        int tenthAt = Math.max(1, n / 10);
        long deadline = System.currentTimeMillis() + timeoutS * 1000L;
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            List<TopicPartition> tps = partitions(c, "mail.events");
            c.assign(tps);
            c.seekToEnd(tps);
            for (TopicPartition tp : tps) {
                c.position(tp);
            }
            System.out.println("READY");
            System.out.flush();
            cpu0 = cpuNanos();
            while (finalState.size() < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(50))) {
                    String v = r.value();
                    Matcher m = ID.matcher(v);
                    if (!m.find() || !m.group(1).startsWith(prefix)) {
                        continue;
                    }
                    String id = m.group(1);
                    Matcher s = STATUS.matcher(v);
                    String status = s.find() ? s.group(1) : "unknown";
                    long now = System.currentTimeMillis();
                    if (status.equals("deferred")) {
                        deferredEvents++;
                        if (samples.size() < 5) {
                            samples.add(v.length() > 600 ? v.substring(0, 600) : v);
                        }
                        continue;
                    }
                    if (finalState.putIfAbsent(id, status) != null) {
                        continue;
                    }
                    counts.merge(status, 1, Integer::sum);
                    if (status.equals("delivered")) {
                        delivered.add(id);
                        arrivals.append(id, prefix.length(), id.length()).append(' ').append(now).append('\n');
                        if (firstDelivered == 0) {
                            firstDelivered = now;
                        }
                        if (delivered.size() == tenthAt) {
                            tenth = now;
                        }
                        lastDelivered = now;
                        Matcher u = USE.matcher(v);
                        if (u.find() && u.group(1).equals("1")) {
                            fresh++;
                        }
                        if (RESUMED.matcher(v).find()) {
                            resumed++;
                        }
                    } else if (samples.size() < 5) {
                        samples.add(v.length() > 600 ? v.substring(0, 600) : v);
                    }
                }
            }
        }
        String countsJson = counts.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
        String samplesJson = samples.stream().map(s -> "\"" + json(s) + "\"").collect(Collectors.joining(",", "[", "]"));
        String res = String.format("{\"n\":%d,\"final\":%d,\"counts\":%s,\"deferred_events\":%d,"
                        + "\"first_delivered_ms\":%d,\"tenth_delivered_ms\":%d,\"last_delivered_ms\":%d,"
                        + "\"conn_use_1\":%d,\"tls_resumed\":%d,\"timed_out\":%b,\"samples\":%s,\"cpu_ms\":%d}%n",
                n, finalState.size(), countsJson, deferredEvents, firstDelivered, tenth, lastDelivered, fresh, resumed,
                finalState.size() < n, samplesJson, (cpuNanos() - cpu0) / 1_000_000);
        Files.writeString(out, res, StandardCharsets.UTF_8);
        if (arrivalsFile != null) {
            Files.writeString(arrivalsFile, arrivals, StandardCharsets.UTF_8);
        }
        return delivered.size() == n ? 0 : 1;
    }

    /**
     * hops: for each message of RUNID, the CreateTime of its first record on each topic of the
     * flow (read from SINCE_MS on), and the time spent between them; a hop starts at the latest
     * earlier topic the message has a record on.
     */
    static void hops(String bootstrap, String run, long since, Path out) throws IOException {
        String[] topics = {"mail.submit", "mail.route", "mail.deliver", "mail.outcome", "mail.events"};
        Pattern[] ids = {ID, ID, MESSAGE_ID, MESSAGE_ID, ID};
        String prefix = run + "-";
        List<Map<String, Long>> at = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            for (int t = 0; t < topics.length; t++) {
                Map<String, Long> first = new HashMap<>();
                List<TopicPartition> tps = partitions(c, topics[t]);
                c.assign(tps);
                Map<TopicPartition, Long> query = new HashMap<>();
                tps.forEach(tp -> query.put(tp, since));
                var found = c.offsetsForTimes(query, Duration.ofSeconds(30));
                Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
                for (TopicPartition tp : tps) {
                    var o = found.get(tp);
                    c.seek(tp, o == null ? end.get(tp) : o.offset());
                }
                long deadline = System.currentTimeMillis() + 60_000;
                while (System.currentTimeMillis() < deadline
                        && tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        String v = r.value();
                        Matcher m = ids[t].matcher(v == null ? "" : v);
                        if (m.find() && m.group(1).startsWith(prefix)) {
                            first.merge(m.group(1), r.timestamp(), Math::min);
                        }
                    }
                }
                at.add(first);
            }
        }
        // each record's hop starts at the message's latest earlier topic: a first attempt delivered to
        // every recipient has no mail.outcome record (tls-session-service publishes its events)
        Map<String, List<Long>> hops = new LinkedHashMap<>();
        for (int t = 1; t < topics.length; t++) {
            for (int from = t - 1; from >= 0; from--) {
                hops.put(topics[from] + " -> " + topics[t], new ArrayList<>());
            }
            for (var e : at.get(t).entrySet()) {
                for (int from = t - 1; from >= 0; from--) {
                    Long before = at.get(from).get(e.getKey());
                    if (before != null) {
                        hops.get(topics[from] + " -> " + topics[t]).add(e.getValue() - before);
                        break;
                    }
                }
            }
        }
        // per message, each topic's first timestamp (-1: none), for hops over the phase's time
        StringBuilder m = new StringBuilder("id");
        for (String t : topics) {
            m.append(' ').append(t);
        }
        m.append('\n');
        for (String id : at.get(0).keySet()) {
            m.append(id, prefix.length(), id.length());
            for (Map<String, Long> first : at) {
                m.append(' ').append(first.getOrDefault(id, -1L));
            }
            m.append('\n');
        }
        Files.writeString(Path.of(out + ".msgs"), m, StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder("{");
        for (var h : hops.entrySet()) {
            List<Long> d = h.getValue();
            if (d.isEmpty()) {
                continue;
            }
            d.sort(null);
            b.append(b.length() > 1 ? "," : "").append('"').append(h.getKey()).append("\":")
                    .append(d.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")));
        }
        Files.writeString(out, b.append("}\n"), StandardCharsets.UTF_8);
    }
}
