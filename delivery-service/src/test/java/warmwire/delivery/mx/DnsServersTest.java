package warmwire.delivery.mx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DnsServersTest {

    @Test
    void parsesHostPortForms() {
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("192.0.2.53", 53),
                        new InetSocketAddress("::1", 54), new InetSocketAddress("2001:db8::53", 53)),
                DnsServers.parse(List.of("127.0.0.1:5353", " 192.0.2.53 ", "[::1]:54", "2001:db8::53")));
    }

    @Test
    void rejectsBadPorts() {
        assertThrows(IllegalArgumentException.class, () -> DnsServers.parse(List.of("127.0.0.1:0")));
        assertThrows(IllegalArgumentException.class, () -> DnsServers.parse(List.of("127.0.0.1:70000")));
        assertThrows(IllegalArgumentException.class, () -> DnsServers.parse(List.of("127.0.0.1:x")));
        assertThrows(IllegalArgumentException.class, () -> DnsServers.parse(List.of(" ")));
    }

    @Test
    void readsResolvConf(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, "# comment\nsearch example\nnameserver 192.0.2.1\noptions ndots:2\n"
                + "nameserver fe80::1%eth0\n");
        assertEquals(List.of(new InetSocketAddress("192.0.2.1", 53), new InetSocketAddress("fe80::1", 53)),
                DnsServers.system(conf));
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 53)), DnsServers.system(dir.resolve("missing")));
    }
}
