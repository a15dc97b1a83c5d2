import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.route.ShardHash;

/**
 * NAME
 *   BalancedSites - receiver addresses whose sites spread evenly over mail.deliver's partitions.
 * SYNOPSIS
 *   java -cp <warmwire-contracts jar> bench/java/BalancedSites.java D PARTITIONS PORT TLS MAX
 * DESCRIPTION
 *   Prints D addresses, one per line, taken in order from the bench's address range (the I-th is
 *   127.0.(I/250).(I%250+1), I = 1..MAX, as run.sh's addr_of), skipping an address whose site
 *   key ({@code <address>:<PORT>/<TLS>}, the key delivery-service gives a routes-file site of one
 *   address) falls on a partition that already has its share (D / PARTITIONS, rounded up). So
 *   that, with tls-session-service instances owning equal numbers of partitions, each carries
 *   the same number of sites: the bench's own 50 sites fall on the 12 partitions as 3, 5, 1, 1,
 *   3, 9, 3, 3, 6, 9, 1, 6, and three instances got 10, 13 and 27 of them (BENCHMARKS.md).
 *   The partition is {@link ShardHash}'s, the contract's (Kafka's default partitioner).
 *   Exits 1 when MAX addresses do not give D.
 */
public final class BalancedSites {
    public static void main(String[] a) {
        int d = Integer.parseInt(a[0]);
        int partitions = Integer.parseInt(a[1]);
        String suffix = ":" + a[2] + "/" + a[3];
        int max = Integer.parseInt(a[4]);
        int share = (d + partitions - 1) / partitions;
        int[] taken = new int[partitions];
        List<String> out = new ArrayList<>(d);
        for (int i = 1; i <= max && out.size() < d; i++) {
            String addr = "127.0." + (i / 250) + "." + (i % 250 + 1);
            int p = ShardHash.shardOf(addr + suffix, partitions);
            if (taken[p] < share) {
                taken[p]++;
                out.add(addr);
            }
        }
        if (out.size() < d) {
            System.err.println("BalancedSites: only " + out.size() + " of " + d + " addresses within the first " + max);
            System.exit(1);
        }
        out.forEach(System.out::println);
    }
}
