package warmwire.session.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * NAME
 *   TestCerts - self-signed server certificates made with the JDK's keytool, once per JVM.
 * DESCRIPTION
 *   {@link #localhost()} has CN=localhost and SAN dns:localhost, ip:127.0.0.1; {@link #other()}
 *   is an unrelated self-signed certificate (an untrusted CA for the verify tests).
 */
public final class TestCerts {
    public static final String PASSWORD = "changeit";
    private static TestCerts localhost;
    private static TestCerts other;

    public final Path keystore;
    public final Path pem;

    private TestCerts(Path keystore, Path pem) {
        this.keystore = keystore;
        this.pem = pem;
    }

    public static synchronized TestCerts localhost() {
        if (localhost == null) {
            localhost = make("localhost", "dns:localhost,ip:127.0.0.1");
        }
        return localhost;
    }

    public static synchronized TestCerts other() {
        if (other == null) {
            other = make("other.invalid", "dns:other.invalid");
        }
        return other;
    }

    private static TestCerts make(String cn, String san) {
        try {
            Path dir = Files.createTempDirectory("warmwire-certs");
            dir.toFile().deleteOnExit();
            Path ks = dir.resolve(cn + ".p12");
            Path pem = dir.resolve(cn + ".pem");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(keytool, "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=" + cn, "-ext", "SAN=" + san, "-storetype", "PKCS12", "-keystore", ks.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD);
            run(keytool, "-exportcert", "-rfc", "-alias", "smtp", "-keystore", ks.toString(), "-storepass", PASSWORD,
                    "-file", pem.toString());
            return new TestCerts(ks, pem);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate: " + e, e);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** A server-side SSLContext with this certificate. */
    public SSLContext serverContext() {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
