package warmwire.delivery.dispatch;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import warmwire.delivery.mx.TestDnsServer;

/**
 * NAME
 *   RoutingTestResource - a routes file and a loopback DNS server.
 * DESCRIPTION
 *   Routes: {@code local.test} to {@code [127.0.0.1]:2525}. DNS: {@code dns.test} MX 10
 *   {@code mx1.dns.test} (127.0.0.2); every other name NXDOMAIN.
 */
public class RoutingTestResource implements QuarkusTestResourceLifecycleManager {
    private TestDnsServer dns;
    private Path routes;

    @Override
    public Map<String, String> start() {
        try {
            dns = new TestDnsServer().mx("dns.test", 10, "mx1.dns.test").a("mx1.dns.test", "127.0.0.2")
                    // 127.0.0.2 is allowed below; 127.0.0.3 and 10.1.2.3 are not
                    .mx("inside.test", 10, "mx.inside.test").a("mx.inside.test", "10.1.2.3")
                    .mx("self.test", 10, "mx.self.test").a("mx.self.test", "127.0.0.3");
            routes = Files.createTempFile("warmwire-routes", ".txt");
            Files.writeString(routes, "# test routes\nlocal.test   [127.0.0.1]:2525\n");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("warmwire.routes-file", routes.toString());
        config.put("warmwire.dns.servers", dns.address());
        config.put("warmwire.dns.timeout", "2s");
        config.put("warmwire.dns.allow-private", "127.0.0.2/32");
        return config;
    }

    @Override
    public void stop() {
        if (dns != null) {
            dns.close();
        }
        try {
            if (routes != null) {
                Files.deleteIfExists(routes);
            }
        } catch (Exception e) {
            // temp file; nothing to do
        }
    }
}
