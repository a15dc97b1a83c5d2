package warmwire.it;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * NAME
 *   StsPolicyHost - an HTTPS server on loopback that serves MTA-STS policies (RFC 8461 3.3).
 * DESCRIPTION
 *   The JDK's HttpsServer with the Postfix peer's key and certificate (signed by the test CA,
 *   which delivery-service trusts through warmwire.mta-sts.trust-file in the IT mesh only; the
 *   certificate names every mta-sts host of MtaStsIT). It answers
 *   {@code GET /.well-known/mta-sts.txt} by the Host header: the policy set for that
 *   {@code mta-sts.<domain>} as {@code text/plain}, 503 for a domain marked down, 404 otherwise,
 *   and counts the requests per domain.
 */
final class StsPolicyHost implements AutoCloseable {
    private final HttpsServer server;
    private final Map<String, String> policies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    StsPolicyHost(int port, Path tlsDir) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        Certificate[] chain;
        try (InputStream in = Files.newInputStream(tlsDir.resolve("cert.pem"))) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        }
        ks.setKeyEntry("host", privateKey(tlsDir.resolve("key.pem")), "x".toCharArray(), chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", x -> {
            String host = String.valueOf(x.getRequestHeaders().getFirst("Host")).replaceFirst(":[0-9]+$", "");
            String domain = host.startsWith("mta-sts.") ? host.substring("mta-sts.".length()) : host;
            requests.computeIfAbsent(domain, d -> new AtomicInteger()).incrementAndGet();
            String policy = "/.well-known/mta-sts.txt".equals(x.getRequestURI().getPath()) ? policies.get(domain) : null;
            int status = policy == null ? 404 : policy.isEmpty() ? 503 : 200;
            byte[] body = status == 200 ? policy.getBytes(StandardCharsets.US_ASCII) : new byte[0];
            x.getResponseHeaders().add("Content-Type", "text/plain");
            x.sendResponseHeaders(status, status == 200 ? body.length : -1);
            if (status == 200) {
                try (OutputStream o = x.getResponseBody()) {
                    o.write(body);
                }
            }
            x.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
    }

    private static PrivateKey privateKey(Path pem) throws Exception {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IOException(pem + " is not a PKCS#8 PEM key");
        }
        String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    /** Serves {@code policy} (the body) for {@code domain} from now on. */
    void serve(String domain, String mode, String... mx) {
        StringBuilder b = new StringBuilder("version: STSv1\r\nmode: ").append(mode).append("\r\n");
        for (String m : mx) {
            b.append("mx: ").append(m).append("\r\n");
        }
        policies.put(domain, b.append("max_age: 86400\r\n").toString());
    }

    /** Answers 503 for {@code domain} from now on: the policy host is down for it. */
    void down(String domain) {
        policies.put(domain, "");
    }

    /** How many policy requests came for {@code domain}. */
    int requests(String domain) {
        AtomicInteger n = requests.get(domain);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
