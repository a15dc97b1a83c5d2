package warmwire.delivery.mtasts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.TrustOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy fetch against a real HTTPS server on loopback (the JDK's HttpsServer, a key made
 * by keytool): what a policy host may answer, and what a hostile one may try.
 */
class StsFetcherTest {
    private static final char[] PASS = "changeit".toCharArray();
    private static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n";
    private static final String[] DOMAINS = {"ok.test", "redirect.test", "html.test", "huge.test", "garbage.test",
            "missing.test", "slow.test"};
    private static final String SANS = String.join(",", java.util.Arrays.stream(DOMAINS)
            .map(d -> "dns:mta-sts." + d).toList());
    @TempDir
    static Path dir;
    private static Path keystore;
    private static Vertx vertx;
    private static HttpsServer server;

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("policy-host.p12");
        keystore = ks;
        vertx = Vertx.vertx();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", new String(PASS), "-alias", "host",
                "-keyalg", "EC", "-dname", "CN=mta-sts.ok.test", "-ext", "SAN=" + SANS,
                "-validity", "2").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(ks.toFile())) {
            store.load(in, PASS);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASS);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/", x -> {
            String host = x.getRequestHeaders().getFirst("Host").replaceFirst(":[0-9]+$", "");
            String domain = host.startsWith("mta-sts.") && StsFetcher.PATH.equals(x.getRequestURI().getPath())
                    ? host.substring("mta-sts.".length()) : "missing.test";
            byte[] body = POLICY.getBytes(StandardCharsets.US_ASCII);
            String type = "text/plain; charset=utf-8";
            int status = 200;
            switch (domain) {
                case "redirect.test" -> {
                    status = 302;
                    x.getResponseHeaders().add("Location", "https://elsewhere.test/");
                }
                case "html.test" -> type = "text/html";
                case "huge.test" -> body = ("version: STSv1\n" + "x: " + "y".repeat(StsPolicy.MAX_BODY) + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                case "garbage.test" -> body = "<html>hello</html>".getBytes(StandardCharsets.US_ASCII);
                case "missing.test" -> status = 404;
                case "slow.test" -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                default -> {
                }
            }
            x.getResponseHeaders().add("Content-Type", type);
            x.sendResponseHeaders(status, status == 200 ? body.length : -1);
            if (status == 200) {
                try (OutputStream o = x.getResponseBody()) {
                    o.write(body);
                }
            }
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** Every policy host is the one loopback server; it answers by the Host header. */
    private static StsFetcher fetcher(boolean trusted, Duration timeout) {
        TrustOptions trust = trusted ? new PfxOptions().setPath(keystore.toString()).setPassword(new String(PASS)) : null;
        return new StsFetcher(vertx, trust, timeout, server.getAddress().getPort(),
                host -> Uni.createFrom().item(List.of("127.0.0.1")));
    }

    private static StsPolicy fetch(StsFetcher f, String domain) {
        try {
            return f.fetch(domain).await().atMost(Duration.ofSeconds(10));
        } finally {
            f.close();
        }
    }

    @Test
    void aPolicyServedAsTextOverVerifiedTlsIsRead() {
        StsPolicy p = fetch(fetcher(true, Duration.ofSeconds(5)), "ok.test");
        assertEquals(StsPolicy.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mx.example.test"), p.mx());
        assertEquals("mta-sts.example.com", StsFetcher.policyHost("Example.COM"));
    }

    @Test
    void whatAPolicyHostMustNotDoIsNoPolicy() {
        for (String[] c : new String[][] {
                {"redirect.test", "redirects are not followed", "sts-policy-fetch-error"},
                {"html.test", "media type is not text/plain", "sts-policy-fetch-error"},
                {"huge.test", "larger than", "sts-policy-invalid"},
                {"garbage.test", "not a key: value line", "sts-policy-invalid"},
                {"missing.test", "HTTP 404", "sts-policy-fetch-error"}}) {
            StsPolicyException e = assertThrows(StsPolicyException.class,
                    () -> fetch(fetcher(true, Duration.ofSeconds(5)), c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
            assertEquals(c[2], e.resultType(), c[0]);
        }
    }

    @Test
    void aSlowHostIsGivenUpAtTheTimeout() {
        long t0 = System.nanoTime();
        StsPolicyException e = assertThrows(StsPolicyException.class, () -> fetch(fetcher(true, Duration.ofMillis(500)), "slow.test"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2500, "gave up after " + ms + " ms: " + e.getMessage());
    }

    @Test
    void aCertificateTheTrustStoreDoesNotKnowIsRefused() {
        StsPolicyException e = assertThrows(StsPolicyException.class, () -> fetch(fetcher(false, Duration.ofSeconds(5)), "ok.test"));
        assertTrue(e.getMessage().contains("not fetched"), e.getMessage());
        assertEquals("sts-webpki-invalid", e.resultType());
    }

    @Test
    void aTrustedCertificateForAnotherNameIsRefused() {
        // mta-sts.unlisted.test is not among the certificate's names
        StsPolicyException e = assertThrows(StsPolicyException.class,
                () -> fetch(fetcher(true, Duration.ofSeconds(5)), "unlisted.test"));
        assertTrue(e.getMessage().contains("not fetched"), e.getMessage());
    }

    @Test
    void aHostWithoutAUsableAddressIsNoPolicy() {
        StsFetcher f = new StsFetcher(vertx, null, Duration.ofSeconds(5), 443, host -> Uni.createFrom().item(List.of()));
        StsPolicyException e = assertThrows(StsPolicyException.class, () -> fetch(f, "ok.test"));
        assertTrue(e.getMessage().contains("no usable address"), e.getMessage());
    }
}
