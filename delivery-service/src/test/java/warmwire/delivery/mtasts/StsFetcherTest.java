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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
    @TempDir
    static Path dir;
    private static HttpsServer server;
    private static SSLContext trust;

    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("policy-host.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", new String(PASS), "-alias", "host",
                "-keyalg", "EC", "-dname", "CN=mta-sts.example.test", "-ext", "SAN=dns:mta-sts.example.test,ip:127.0.0.1",
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
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = SSLContext.getInstance("TLS");
        trust.init(null, tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/", x -> {
            String domain = x.getRequestURI().getPath().substring(1).split("/")[0];
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
    }

    /** Each test domain's policy is under its own path of the one loopback server. */
    private static StsFetcher fetcher(SSLContext context, Duration timeout) {
        int port = server.getAddress().getPort();
        return new StsFetcher(context, timeout, d -> URI.create("https://127.0.0.1:" + port + "/" + d + "/.well-known/mta-sts.txt"));
    }

    @Test
    void aPolicyServedAsTextOverVerifiedTlsIsRead() throws Exception {
        StsPolicy p = fetcher(trust, Duration.ofSeconds(5)).fetch("ok.test");
        assertEquals(StsPolicy.Mode.ENFORCE, p.mode());
        assertEquals(List.of("mx.example.test"), p.mx());
        assertEquals(URI.create("https://mta-sts.example.com/.well-known/mta-sts.txt"), StsFetcher.policyUri("Example.COM"));
    }

    @Test
    void whatAPolicyHostMustNotDoIsNoPolicy() {
        StsFetcher f = fetcher(trust, Duration.ofSeconds(5));
        for (String[] c : new String[][] {
                {"redirect.test", "redirects are not followed"},
                {"html.test", "media type is not text/plain"},
                {"huge.test", "larger than"},
                {"garbage.test", "not a key: value line"},
                {"missing.test", "HTTP 404"}}) {
            StsPolicyException e = assertThrows(StsPolicyException.class, () -> f.fetch(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void aSlowHostIsGivenUpAtTheTimeout() {
        long t0 = System.nanoTime();
        StsPolicyException e = assertThrows(StsPolicyException.class, () -> fetcher(trust, Duration.ofMillis(500)).fetch("slow.test"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2500, "gave up after " + ms + " ms: " + e.getMessage());
    }

    @Test
    void aCertificateTheTrustStoreDoesNotKnowIsRefused() throws Exception {
        StsPolicyException e = assertThrows(StsPolicyException.class, () -> fetcher(SSLContext.getDefault(), Duration.ofSeconds(5))
                .fetch("ok.test"));
        assertTrue(e.getMessage().contains("not fetched"), e.getMessage());
    }
}
