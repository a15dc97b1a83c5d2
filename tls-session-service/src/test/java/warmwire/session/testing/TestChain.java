package warmwire.session.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NAME
 *   TestChain - a CA, a server certificate it signed for mx.example.test, and an unrelated CA,
 *   made by openssl in a folder.
 */
public final class TestChain {
    public final Path dir;
    public final X509Certificate ca;
    public final X509Certificate leaf;
    public final X509Certificate otherCa;

    public TestChain(Path dir) throws Exception {
        this.dir = dir;
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign", "-keyout", "ca.key", "-out", "ca.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=Other CA", "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", "other.key",
                "-out", "other.pem");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                "/CN=mx.example.test", "-keyout", "leaf.key", "-out", "leaf.csr");
        Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=CA:FALSE\nsubjectAltName=DNS:mx.example.test\n");
        openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7", "-days", "2",
                "-extfile", "leaf.ext", "-out", "leaf.pem");
        ca = load("ca.pem");
        leaf = load("leaf.pem");
        otherCa = load("other.pem");
    }

    /** The PEM file of the CA. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + cmd + ": " + out);
    }

    private X509Certificate load(String name) throws Exception {
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
