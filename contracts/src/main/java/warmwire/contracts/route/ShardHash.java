package warmwire.contracts.route;

import java.nio.charset.StandardCharsets;

/**
 * NAME
 *   ShardHash - which shard (partition of {@code mail.deliver}) owns a site.
 * DESCRIPTION
 *   Delivery jobs are keyed by {@link Site#key()} and written with Kafka's default partitioner,
 *   which places a keyed record at {@code toPositive(murmur2(keyBytes)) % partitions}. This class
 *   computes the same number, so that anyone (admin queries, tests) can tell the owner of a site
 *   without a producer. The unit test checks it against kafka-clients' own implementation.
 */
public final class ShardHash {
    private ShardHash() {
    }

    /** The partition of {@code mail.deliver} that holds the jobs of {@code siteKey}. */
    public static int shardOf(String siteKey, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be positive: " + partitions);
        }
        return (murmur2(siteKey.getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % partitions;
    }

    /** MurmurHash2, 32-bit, seed 0x9747b28c: the variant Kafka's partitioner uses. */
    static int murmur2(byte[] data) {
        final int length = data.length;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = 0x9747b28c ^ length;
        final int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            final int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8)
                    + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        switch (length % 4) {
            case 3:
                h ^= (data[(length & ~3) + 2] & 0xff) << 16;
            case 2: // fall through
                h ^= (data[(length & ~3) + 1] & 0xff) << 8;
            case 1: // fall through
                h ^= data[length & ~3] & 0xff;
                h *= m;
            default:
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
