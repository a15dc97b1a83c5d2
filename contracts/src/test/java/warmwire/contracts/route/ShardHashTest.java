package warmwire.contracts.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.TlsLevel;

class ShardHashTest {

    @Test
    void matchesKafkaDefaultPartitionerForManyKeys() {
        for (int i = 0; i < 5000; i++) {
            String key = "mx" + i + ".example.com,mx" + (i * 7) + ".example.net:25/may" + "x".repeat(i % 5);
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            for (int partitions : new int[] {1, 3, 12, 64}) {
                int kafka = Utils.toPositive(Utils.murmur2(bytes)) % partitions;
                assertEquals(kafka, ShardHash.shardOf(key, partitions), key);
            }
        }
    }

    @Test
    void siteKeyIsOrderAndCaseInsensitive() {
        Site a = new Site(List.of("MX2.example.com.", "mx1.example.com"), 25, TlsLevel.MAY);
        Site b = new Site(List.of("mx1.example.com", "mx2.example.com"), 25, TlsLevel.MAY);
        assertEquals("mx1.example.com,mx2.example.com:25/may", a.key());
        assertEquals(a.key(), b.key());
        assertEquals(ShardHash.shardOf(a.key(), 12), ShardHash.shardOf(b.key(), 12));
    }

    @Test
    void tlsLevelSplitsSites() {
        Site may = new Site(List.of("mx.example.com"), 25, TlsLevel.MAY);
        Site verify = new Site(List.of("mx.example.com"), 25, TlsLevel.VERIFY);
        org.junit.jupiter.api.Assertions.assertNotEquals(may.key(), verify.key());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> ShardHash.shardOf("k", 0));
        assertThrows(IllegalArgumentException.class, () -> new Site(List.of(), 25, TlsLevel.MAY));
        assertThrows(IllegalArgumentException.class, () -> new Site(List.of("h"), 0, TlsLevel.MAY));
        assertThrows(IllegalArgumentException.class, () -> TlsLevel.parse("dane_only"));
        assertEquals(TlsLevel.DANE_ONLY, TlsLevel.parse("Dane-Only"));
        assertEquals(TlsLevel.ENCRYPT, TlsLevel.DANE.atLeast(TlsLevel.ENCRYPT), "dane may end at may: below encrypt");
        assertEquals(TlsLevel.DANE_ONLY, TlsLevel.DANE_ONLY.atLeast(TlsLevel.ENCRYPT));
        assertEquals(TlsLevel.ENCRYPT, TlsLevel.MAY.atLeast(TlsLevel.ENCRYPT));
        assertEquals(TlsLevel.VERIFY, TlsLevel.VERIFY.atLeast(TlsLevel.MAY));
    }
}
