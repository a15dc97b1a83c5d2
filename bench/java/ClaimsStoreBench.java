import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.configuration.ConfigurationBuilder;
import org.infinispan.commons.configuration.StringConfiguration;

/**
 * NAME
 *   ClaimsStoreBench - Infinispan Server's CPU per client-id claim, for a choice of cache store.
 * SYNOPSIS
 *   java -cp "delivery-service/target/quarkus-app/lib/main/*:delivery-service/target/quarkus-app/lib/boot/*" \
 *       bench/java/ClaimsStoreBench.java PORT USER PASSWORD CACHE CONFIG PREFILL BATCHES SIZE SERVER-PID
 * DESCRIPTION
 *   Does what intake does with a poll's client ids (delivery-service's DuplicateIds through
 *   IndexMarks): getAll of SIZE new ids (all misses, as for mail never seen), then putAll of
 *   them with the claims' lifespan (7 days). BATCHES such pairs make a round; three rounds,
 *   each printing the server's CPU (utime + stime of SERVER-PID, /proc) per claim.
 *   CONFIG is the cache's JSON, as delivery-service's application.properties declares it
 *   (or "-": the cache exists already). PREFILL claims are written first, 2,000 per putAll,
 *   so that the store has the size of days of claims: the cost of a file store grows with it.
 *   Run it against a server of its own (deploy/local/infinispan.sh with its own
 *   WARMWIRE_STATE_DIR and ports), with nothing else running. A RocksDB store needs
 *   org.rocksdb:rocksdbjni in the server's lib folder (not in deploy/local/infinispan/pom.xml).
 */
public final class ClaimsStoreBench {
    static long cpuTicks(String pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ")[1].split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** {@code n} claims of new random client ids, as intake writes them: id:<id> -> the record's topic/partition/offset. */
    static Map<String, String> newClaims(int n, long firstOffset) {
        Map<String, String> e = new HashMap<>();
        for (int j = 0; j < n; j++) {
            e.put("id:" + UUID.randomUUID(), "mail.submit/" + (j % 12) + "/" + (firstOffset + j));
        }
        return e;
    }

    public static void main(String[] a) throws Exception {
        ConfigurationBuilder b = new ConfigurationBuilder();
        b.addServer().host("127.0.0.1").port(Integer.parseInt(a[0])).security().authentication().username(a[1]).password(a[2]);
        long prefill = Long.parseLong(a[5]);
        int batches = Integer.parseInt(a[6]);
        int size = Integer.parseInt(a[7]);
        String pid = a[8];
        long tick = 1000 / Long.parseLong(new String(new ProcessBuilder("getconf", "CLK_TCK").start().getInputStream().readAllBytes()).trim());
        try (RemoteCacheManager m = new RemoteCacheManager(b.build())) {
            RemoteCache<String, String> c = a[4].equals("-") ? m.getCache(a[3])
                    : m.administration().getOrCreateCache(a[3], new StringConfiguration(a[4]));
            long t0 = System.nanoTime();
            for (long i = 0; i < prefill; i += 2000) {
                c.putAll(newClaims(2000, i), 7, TimeUnit.DAYS);
            }
            if (prefill > 0) {
                System.out.printf("%s: prefilled %d claims in %.1f s%n", a[3], prefill, (System.nanoTime() - t0) / 1e9);
                Thread.sleep(5000);
            }
            for (int round = 0; round < 3; round++) {
                long cpu0 = cpuTicks(pid);
                long w0 = System.nanoTime();
                for (int i = 0; i < batches; i++) {
                    Map<String, String> e = newClaims(size, (long) i * size);
                    if (!c.getAll(e.keySet()).isEmpty()) {
                        throw new IllegalStateException("a new random id was found claimed");
                    }
                    c.putAll(e, 7, TimeUnit.DAYS);
                }
                long n = (long) batches * size;
                double wall = (System.nanoTime() - w0) / 1e9;
                System.out.printf("%s round %d: %d claims, server CPU %.4f ms/claim, %.0f claims/s%n",
                        a[3], round, n, (cpuTicks(pid) - cpu0) * (double) tick / n, n / wall);
            }
        }
    }
}
