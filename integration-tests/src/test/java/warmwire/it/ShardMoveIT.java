package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import warmwire.contracts.route.ShardHash;
import warmwire.testing.Poll;

/**
 * NAME
 *   ShardMoveIT - shards move between tls-session-service instances; the new owner resumes TLS.
 * DESCRIPTION
 *   Three tls-session-service processes in one consumer group (mesh.sh,
 *   WARMWIRE_SESSION_INSTANCES), against a real Postfix smtpd ("shards", its own instance)
 *   listening with STARTTLS on {@value #SITES} loopback addresses, 127.0.0.1 to 127.0.0.12, one
 *   site each (shardN.test routed to [127.0.0.N]). Postfix logs each listener under its own
 *   name (postfix/tls-127.0.0.N/smtpd), so handshakes are counted per site in its log:
 *   "TLS connection established" for every handshake, "Reusing old session" for resumed ones.
 *   1. Two instances; mail to every site until each has delivered (connections, and tickets in
 *      the Infinispan ticket store).
 *   2. Fencing under flow: a third instance joins while mail flows at 20/s; partitions move
 *      from the first two to it. Nothing may be delivered twice (one copy per Message-ID at
 *      the peer) and nothing lost (one final event per recipient, delivered).
 *   3. Kill: once everything is delivered, kill -9 of the instance (2 or 3) that owns the most
 *      sites; its partitions move to the others after the session timeout. Mail to every site
 *      again. At the receiver, at least 95 % of the handshakes to the moved sites after the
 *      kill are resumptions, and again nothing is lost or doubled.
 *   The shard map (GET /admin/v1/shards on any instance) is read to see the moves.
 */
class ShardMoveIT {
    static final int SITES = 12;
    static final int PARTITIONS = 12; // mail.deliver (kafka.sh WARMWIRE_DELIVER_PARTITIONS)
    static final int PEER_PORT = 12590 + Mesh.PORT_OFFSET;
    static final String PEER = "shards";
    private static final Pattern LISTENER = Pattern.compile("postfix/tls-127\\.0\\.0\\.(\\d+)/smtpd\\[\\d+\\]: (.*)$");
    private static Mesh mesh;

    @BeforeAll
    static void peer() throws Exception {
        mesh = Mesh.get();
        StringBuilder addresses = new StringBuilder();
        StringBuilder domains = new StringBuilder();
        for (int n = 1; n <= SITES; n++) {
            addresses.append("127.0.0.").append(n).append(' ');
            domains.append(domain(n)).append(' ');
        }
        mesh.run(Map.of("PEER_TLS_PORT", String.valueOf(PEER_PORT), "PEER_PLAIN_PORT", "", "PEER_ADDRESSES",
                addresses.toString().trim(), "PEER_DOMAINS", domains.toString().trim()), Duration.ofMinutes(2),
                "deploy/local/postfix-peer.sh", "start", PEER);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        mesh.stopSession(3);
        mesh.stopSession(2);
        mesh.run(Duration.ofMinutes(1), "deploy/local/postfix-peer.sh", "stop", PEER);
        mesh.awaitReady(Duration.ofMinutes(2), null);
    }

    static String domain(int n) {
        return "shard" + n + ".test";
    }

    static String siteKey(int n) {
        return Mesh.siteKey("127.0.0." + n, PEER_PORT);
    }

    static int partition(int n) {
        return ShardHash.shardOf(siteKey(n), PARTITIONS);
    }

    private String peerLog() throws Exception {
        Path log = Path.of(mesh.run(Duration.ofSeconds(30), "deploy/local/postfix-peer.sh", "log-path", PEER).trim());
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }

    /** Handshakes in {@code log}, per site number: [all, resumed]. */
    static Map<Integer, int[]> handshakes(String log) {
        Map<Integer, int[]> out = new TreeMap<>();
        for (String line : log.split("\n")) {
            Matcher m = LISTENER.matcher(line);
            if (!m.find()) {
                continue;
            }
            int site = Integer.parseInt(m.group(1));
            String what = m.group(2);
            if (what.contains("TLS connection established")) {
                out.computeIfAbsent(site, s -> new int[2])[0]++;
            } else if (what.contains("Reusing old session")) {
                out.computeIfAbsent(site, s -> new int[2])[1]++;
            }
        }
        return out;
    }

    private JsonNode shards() throws Exception {
        HttpResponse<String> r = mesh.http("GET", Mesh.sessionPort(1), "/admin/v1/shards", Mesh.ADMIN_TOKEN, null);
        assertEquals(200, r.statusCode(), "shard map: " + r.body());
        return mesh.json.readTree(r.body());
    }

    /** partition -> owner instance id, from the shard map. */
    private Map<Integer, String> owners(JsonNode map) {
        Map<Integer, String> out = new TreeMap<>();
        map.path("partitions").forEach(p -> out.put(p.path("partition").asInt(), p.path("owner").asText()));
        return out;
    }

    /** Waits until the shard map names {@code instances} live instances that own all partitions between them. */
    private JsonNode awaitShardMap(int instances, Set<String> without, Duration timeout) throws Exception {
        JsonNode[] last = new JsonNode[1];
        return Poll.until(timeout, Duration.ofMillis(500), () -> {
            try {
                last[0] = shards();
                return last[0];
            } catch (AssertionError | java.io.IOException e) {
                return null; // not yet
            }
        }, map -> map != null && settled(map, instances, without),
                map -> "shard map did not settle on " + instances + " instances without " + without + ": " + last[0]);
    }

    /** Whether {@code map} names {@code instances} live instances, none of {@code without}, owning all partitions. */
    private boolean settled(JsonNode map, int instances, Set<String> without) {
        Set<String> live = new TreeSet<>();
        map.path("instances").forEach(i -> {
            if (i.path("partitions").size() > 0) {
                live.add(i.path("id").asText());
            }
        });
        Map<Integer, String> owners = owners(map);
        boolean allOwned = owners.size() == PARTITIONS && owners.values().stream()
                .allMatch(o -> !o.isEmpty() && live.contains(o) && !without.contains(o));
        return live.size() == instances && allOwned;
    }

    /** The instance id in the shard map of tls-session-service instance {@code n} (ids end with its HTTP port). */
    private static String idOf(JsonNode map, int n) {
        String port = String.valueOf(Mesh.sessionPort(n));
        for (JsonNode i : map.path("instances")) {
            if (i.path("id").asText().endsWith(port)) {
                return i.path("id").asText();
            }
        }
        throw new AssertionError("no instance with port " + port + " in " + map);
    }

    /** Submits one message per site per round, {@code perSecond}; returns id -> recipient. */
    private Map<String, String> submit(String run, String phase, int rounds, double perSecond) throws Exception {
        Map<String, String> sent = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        int i = 0;
        for (int round = 0; round < rounds; round++) {
            for (int n = 1; n <= SITES; n++) {
                long wait = t0 + (long) (i * 1e9 / perSecond) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String id = "shard-" + run + "-" + phase + "-" + round + "-" + n;
                String rcpt = "r" + round + "@" + domain(n);
                mesh.submit(id, Mail.withId(id, "sender@plain.test", rcpt).json());
                sent.put(id, rcpt);
                i++;
            }
        }
        return sent;
    }

    /** Waits for a final event of every message; asserts one each, delivered, and one copy at the peer. */
    private void assertDeliveredOnce(Map<String, String> sent, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (String id : sent.keySet()) {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
            mesh.events.awaitEvents(e -> e.path("id").asText().equals(id) && Events.isFinal(e), 1, Duration.ofSeconds(left));
        }
        Thread.sleep(3000); // late duplicates would show now
        List<String> wrong = new ArrayList<>();
        for (String id : sent.keySet()) {
            List<JsonNode> finals = mesh.events.seen(e -> e.path("id").asText().equals(id) && Events.isFinal(e));
            if (finals.size() != 1 || !"delivered".equals(finals.get(0).path("status").asText())) {
                wrong.add(id + " " + finals.stream().map(e -> e.path("status").asText()).toList());
            }
        }
        assertTrue(wrong.isEmpty(), what + ": not exactly one final event, delivered: " + wrong);
        Map<String, List<PeerLog.Copy>> peer = PeerLog.copies(peerLog());
        List<String> copies = new ArrayList<>();
        sent.forEach((id, rcpt) -> {
            int c = PeerLog.copiesTo(peer, id + "@warmwire.test", rcpt);
            if (c != 1) {
                copies.add(id + " x" + c);
            }
        });
        assertTrue(copies.isEmpty(), what + ": copies at the peer other than one: " + copies);
    }

    @Test
    void shardsMoveWithoutDoubleDeliveriesAndTheNewOwnerResumesTls() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<Integer, List<Integer>> sitesByPartition = new TreeMap<>();
        for (int n = 1; n <= SITES; n++) {
            sitesByPartition.computeIfAbsent(partition(n), p -> new ArrayList<>()).add(n);
        }
        System.out.println("ShardMoveIT: sites by partition of mail.deliver: " + sitesByPartition);

        // 1. two instances, every site warm
        mesh.startSessionInstances(2);
        awaitShardMap(2, Set.of(), Duration.ofSeconds(90));
        assertDeliveredOnce(submit(run, "warm", 3, 20), "two instances");

        // 2. a third instance joins while mail flows
        Map<String, String> flowing = new LinkedHashMap<>();
        Thread joiner = new Thread(() -> {
            try {
                Thread.sleep(4000);
                mesh.startSessionInstances(3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "shard-joiner");
        joiner.start();
        flowing.putAll(submit(run, "join", 30, 20));
        joiner.join();
        JsonNode three = awaitShardMap(3, Set.of(), Duration.ofSeconds(90));
        System.out.println("ShardMoveIT: shard map with three instances: " + three);
        assertDeliveredOnce(flowing, "a third instance joined under flow");

        // 3. kill -9 of the instance owning the most of our sites
        Map<Integer, String> owners = owners(three);
        Map<Integer, Integer> sitesOf = new HashMap<>();
        for (int inst : List.of(2, 3)) {
            String id = idOf(three, inst);
            int count = 0;
            for (int n = 1; n <= SITES; n++) {
                if (id.equals(owners.get(partition(n)))) {
                    count++;
                }
            }
            sitesOf.put(inst, count);
        }
        int victim = sitesOf.get(2) >= sitesOf.get(3) ? 2 : 3;
        String victimId = idOf(three, victim);
        List<Integer> moved = new ArrayList<>();
        for (int n = 1; n <= SITES; n++) {
            if (victimId.equals(owners.get(partition(n)))) {
                moved.add(n);
            }
        }
        assertTrue(!moved.isEmpty(), "the victim owns some of the sites: " + owners);
        long epochBefore = three.path("epoch").asLong();
        int logOffset = peerLog().length();
        Instant killedAt = Instant.now();
        mesh.kill9Session(victim);
        JsonNode after = awaitShardMap(2, Set.of(victimId), Duration.ofSeconds(90));
        Duration moveTime = Duration.between(killedAt, Instant.now());
        assertTrue(after.path("epoch").asLong() > epochBefore, "the epoch increased: " + epochBefore + " -> " + after);
        Map<String, String> afterKill = submit(run, "moved", 4, 20);
        assertDeliveredOnce(afterKill, "after the kill");

        String log = peerLog();
        Map<Integer, int[]> hs = handshakes(log.substring(Math.min(logOffset, log.length())));
        int all = 0;
        int resumed = 0;
        for (int n : moved) {
            int[] c = hs.getOrDefault(n, new int[2]);
            all += c[0];
            resumed += c[1];
        }
        Map<Integer, String> table = hs.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue()[1] + "/" + e.getValue()[0], (a, b) -> a, TreeMap::new));
        System.out.printf("ShardMoveIT: killed %s owning sites %s; partitions moved in %.1f s; handshakes after the kill "
                        + "(resumed/all) per site %s; moved sites %d/%d resumed (%.1f %%)%n", victimId, moved,
                moveTime.toMillis() / 1000.0, table, resumed, all, all == 0 ? 0.0 : 100.0 * resumed / all);
        assertTrue(all >= moved.size(), "the new owners made handshakes to the moved sites: " + table);
        assertTrue(resumed >= 0.95 * all, "at least 95 % of the new owners' handshakes to the moved sites resumed: "
                + resumed + " of " + all + " " + table);
    }
}
