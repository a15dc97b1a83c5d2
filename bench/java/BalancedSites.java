import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.route.ShardHash;

/**
 * NAME
 *   BalancedSites - receiver addresses whose sites spread evenly over mail.deliver's partitions.
 * SYNOPSIS
 *   addresses | java -cp <warmwire-contracts jar> bench/java/BalancedSites.java D PARTITIONS PORT TLS
 * DESCRIPTION
 *   Prints D addresses, one per line, taken in order from the candidates on standard input (one
 *   per line: run.sh gives the first MAX of its addr_of range), skipping an address whose site
 *   key ({@code <address>:<PORT>/<TLS>}, the key delivery-service gives a routes-file site of one
 *   address) falls on a partition that already has its share (D / PARTITIONS, rounded up). So
 *   that, with tls-session-service instances owning equal numbers of partitions, each carries
 *   the same number of sites: the bench's own 50 sites fall on the 12 partitions as 3, 5, 1, 1,
 *   3, 9, 3, 3, 6, 9, 1, 6, and three instances got 10, 13 and 27 of them (BENCHMARKS.md).
 *   The partition is {@link ShardHash}'s, the contract's (Kafka's default partitioner).
 *   Exits 1 when the candidates do not give D.
 */
public final class BalancedSites {
    public static void main(String[] a) throws IOException {
        int d = Integer.parseInt(a[0]);
        int partitions = Integer.parseInt(a[1]);
        String suffix = ":" + a[2] + "/" + a[3];
        int share = (d + partitions - 1) / partitions;
        int[] taken = new int[partitions];
        List<String> out = new ArrayList<>(d);
        BufferedReader candidates = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int read = 0;
        for (String addr; out.size() < d && (addr = candidates.readLine()) != null; read++) {
            int p = ShardHash.shardOf(addr + suffix, partitions);
            if (taken[p] < share) {
                taken[p]++;
                out.add(addr);
            }
        }
        if (out.size() < d) {
            System.err.println("BalancedSites: only " + out.size() + " of " + d + " addresses among " + read + " candidates");
            System.exit(1);
        }
        out.forEach(System.out::println);
    }
}
