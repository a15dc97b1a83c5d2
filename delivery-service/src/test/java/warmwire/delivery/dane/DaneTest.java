package warmwire.delivery.dane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.delivery.mx.Route;

/**
 * DANE routing against real DNSSEC: BIND's named serving signed test zones on loopback
 * (deploy/local/dnssec-peer.sh), validated by dnsjava from the zones' own trust anchor. Cases:
 * a signed domain with TLSA records, one without, an insecure delegation, a bogus delegation
 * (a DS that matches no key), bogus signatures (altered after signing), and a secure domain
 * whose MX host's TLSA records are bogus.
 */
class DaneTest {
    private static final int PORT = 15373 + Integer.parseInt(System.getenv().getOrDefault("WARMWIRE_IT_PORT_OFFSET", "0"));
    private static final String HASH = "ab".repeat(32);
    @TempDir
    static Path dir;
    private static Path state;
    private static Dane dane;

    @BeforeAll
    static void signedZones() throws Exception {
        Path zones = Files.createDirectories(dir.resolve("zones"));
        String soa = "$TTL 60\n@ SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 60\n";
        Files.writeString(zones.resolve("dane.test.zone"), soa + """
                @ NS ns
                ns A 127.0.0.1
                good MX 10 mx.good
                mx.good A 127.0.0.1
                _25._tcp.mx.good TLSA 3 1 1 %s
                notlsa MX 10 mx.notlsa
                mx.notlsa A 127.0.0.1
                badtlsa MX 10 mx.bogus
                insecure NS ns
                bogus NS ns
                badsig NS ns
                """.formatted(HASH));
        String child = soa + "@ NS ns.dane.test.\n@ MX 10 mx\nmx A 127.0.0.1\n_25._tcp.mx TLSA 3 1 1 " + HASH + "\n";
        Files.writeString(zones.resolve("insecure.dane.test.zone"), child);
        Files.writeString(zones.resolve("bogus.dane.test.zone"), child);
        Files.writeString(zones.resolve("badsig.dane.test.zone"), child);
        state = dir.resolve("state");
        String out = script(Map.of("DNSSEC_ZONES", zones.toString(), "DNSSEC_UNSIGNED", "insecure.dane.test",
                "DNSSEC_BAD_DS", "bogus.dane.test", "DNSSEC_BAD_SIG", "badsig.dane.test"), "start");
        Path anchors = Path.of(script(Map.of(), "trust-anchors").trim());
        try (InputStream in = Files.newInputStream(anchors)) {
            dane = new Dane(new DnssecLookup(List.of(new InetSocketAddress("127.0.0.1", PORT)), in, Duration.ofSeconds(3)));
        }
        assertTrue(out.contains("ready"), out);
    }

    @AfterAll
    static void stop() throws Exception {
        script(Map.of(), "stop");
    }

    private static String script(Map<String, String> env, String cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("..", "deploy", "local", "dnssec-peer.sh").toString(), cmd, "unit")
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("WARMWIRE_STATE_DIR", state.toString());
        pb.environment().put("DNSSEC_PORT", String.valueOf(PORT));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0, "dnssec-peer.sh " + cmd + ": " + out);
        return out;
    }

    /** What MX resolution found for {@code domain}: one host with one address. */
    private static Route.Destination route(String host) {
        return new Route.Destination(List.of(host), 25, List.of(new Endpoint(host, "127.0.0.1", 25, 10)));
    }

    private static Route apply(String domain, TlsLevel level, Route r) {
        return dane.apply(domain, level, r).await().atMost(Duration.ofSeconds(20));
    }

    @Test
    void aSignedDomainWithTlsaRecordsIsDane() {
        Route.Destination d = (Route.Destination) apply("good.dane.test", TlsLevel.DANE, route("mx.good.dane.test"));
        assertEquals(PolicySource.DANE, d.policy());
        assertEquals(List.of("3 1 1 " + HASH), d.endpoints().get(0).tlsa());
        Route.Destination only = (Route.Destination) apply("good.dane.test", TlsLevel.DANE_ONLY, route("mx.good.dane.test"));
        assertEquals(PolicySource.DANE, only.policy());
    }

    @Test
    void aHostOnlyAnUnvalidatedAnswerNamedIsDropped() {
        Route.Destination spoofed = new Route.Destination(List.of("evil.example", "mx.good.dane.test"), 25,
                List.of(new Endpoint("evil.example", "127.0.0.9", 25, 5), new Endpoint("mx.good.dane.test", "127.0.0.1", 25, 10)));
        Route.Destination d = (Route.Destination) apply("good.dane.test", TlsLevel.DANE, spoofed);
        assertEquals(List.of("mx.good.dane.test"), d.hosts());
        assertEquals(1, d.endpoints().size());
    }

    @Test
    void aSecureDenialOfTlsaIsMayForDaneAndRefusedForDaneOnly() {
        Route.Destination d = (Route.Destination) apply("notlsa.dane.test", TlsLevel.DANE, route("mx.notlsa.dane.test"));
        assertEquals(PolicySource.CONFIG, d.policy());
        assertTrue(d.endpoints().get(0).tlsa().isEmpty());
        Route.Failure f = (Route.Failure) apply("notlsa.dane.test", TlsLevel.DANE_ONLY, route("mx.notlsa.dane.test"));
        assertEquals(Status.DEFERRED, f.status());
        assertTrue(f.reason().contains("no DNSSEC-validated TLSA records for mx.notlsa.dane.test"), f.reason());
    }

    @Test
    void anInsecureDelegationIsNoDaneTlsaRecordsThereAreIgnored() {
        Route.Destination r = route("mx.insecure.dane.test");
        assertSame(r, apply("insecure.dane.test", TlsLevel.DANE, r));
        Route.Failure f = (Route.Failure) apply("insecure.dane.test", TlsLevel.DANE_ONLY, r);
        assertEquals("4.7.5", f.enhanced());
        assertTrue(f.reason().contains("not DNSSEC-signed"), f.reason());
    }

    @Test
    void aBogusAnswerDefersForBothLevelsNeverDowngrades() {
        for (TlsLevel level : List.of(TlsLevel.DANE, TlsLevel.DANE_ONLY)) {
            for (String d : List.of("bogus.dane.test", "badsig.dane.test")) {
                Route.Failure f = (Route.Failure) apply(d, level, route("mx." + d));
                assertEquals(Status.DEFERRED, f.status(), level + " " + d + ": " + f);
                assertEquals("4.7.5", f.enhanced(), f.reason());
                assertTrue(f.reason().contains("DNSSEC validation failed"), f.reason());
                assertEquals("dnssec-invalid", f.tlsResult().result());
            }
        }
        Route.Failure t = (Route.Failure) apply("badtlsa.dane.test", TlsLevel.DANE, route("mx.bogus.dane.test"));
        assertEquals(Status.DEFERRED, t.status(), t.toString());
        assertTrue(t.reason().contains("TLSA lookup of _25._tcp.mx.bogus.dane.test failed"), t.reason());
    }
}
