package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 7672 section 3 and RFC 7671: DANE-EE and DANE-TA matching over a real chain (a CA and a
 * server certificate for mx.example.test made by openssl), and what is unusable.
 */
class DaneVerifierTest {
    @TempDir
    static Path dir;
    private static X509Certificate ca;
    private static X509Certificate leaf;
    private static X509Certificate otherCa;

    @BeforeAll
    static void certificates() throws Exception {
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

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + cmd + ": " + out);
    }

    private static X509Certificate load(String name) throws Exception {
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String tlsa(int usage, int selector, int type, X509Certificate c) throws Exception {
        byte[] data = selector == 0 ? c.getEncoded() : c.getPublicKey().getEncoded();
        if (type > 0) {
            data = MessageDigest.getInstance(type == 1 ? "SHA-256" : "SHA-512").digest(data);
        }
        return usage + " " + selector + " " + type + " " + HexFormat.of().formatHex(data);
    }

    private static String problem(List<String> records, List<Certificate> chain, String host) {
        return DaneVerifier.of(records).problem(chain, host);
    }

    @Test
    void daneEeMatchesTheServerCertificateWhateverItsNames() throws Exception {
        List<Certificate> chain = List.of(leaf);
        assertNull(problem(List.of(tlsa(3, 1, 1, leaf)), chain, "mx.example.test"));
        assertNull(problem(List.of(tlsa(3, 0, 1, leaf)), chain, "other.example.test"), "no name check for DANE-EE");
        assertNull(problem(List.of(tlsa(3, 1, 2, leaf)), chain, "mx.example.test"));
        assertNull(problem(List.of(tlsa(3, 1, 0, leaf)), chain, "mx.example.test"));
        assertNull(problem(List.of(tlsa(3, 1, 1, otherCa), tlsa(3, 1, 1, leaf)), chain, "mx.example.test"),
                "one matching record of several is enough (a key rollover)");
    }

    @Test
    void aRecordThatMatchesNothingIsAProblem() throws Exception {
        String p = problem(List.of(tlsa(3, 1, 1, otherCa)), List.of(leaf, ca), "mx.example.test");
        assertTrue(p.startsWith("no TLSA record matches the certificate chain"), p);
        String wrong = "3 1 1 " + "00".repeat(32);
        assertTrue(problem(List.of(wrong), List.of(leaf), "mx.example.test").startsWith("no TLSA record matches"));
    }

    @Test
    void daneTaNeedsTheAnchorInTheChainAValidPathAndTheMxName() throws Exception {
        assertNull(problem(List.of(tlsa(2, 0, 1, ca)), List.of(leaf, ca), "mx.example.test"));
        assertNull(problem(List.of(tlsa(2, 1, 1, ca)), List.of(leaf, ca), "MX.example.test."));
        String name = problem(List.of(tlsa(2, 0, 1, ca)), List.of(leaf, ca), "other.example.test");
        assertTrue(name.contains("certificate does not match host name other.example.test"), name);
        String absent = problem(List.of(tlsa(2, 0, 1, ca)), List.of(leaf), "mx.example.test");
        assertTrue(absent.startsWith("no TLSA record matches"), "the anchor must be sent: " + absent);
        // the other CA is in the chain and matches, but did not sign the server's certificate
        String path = problem(List.of(tlsa(2, 0, 1, otherCa)), List.of(leaf, otherCa), "mx.example.test");
        assertTrue(path.contains("does not validate"), path);
    }

    @Test
    void pkixUsagesAndGarbageAreUnusable() throws Exception {
        DaneVerifier pkix = DaneVerifier.of(List.of(tlsa(0, 0, 1, ca), tlsa(1, 1, 1, leaf), "3 2 1 00", "x"));
        assertFalse(pkix.usable());
        assertEquals("no usable TLSA records", pkix.problem(List.of(leaf), "mx.example.test"));
        assertEquals("no TLSA records", DaneVerifier.of(List.of()).problem(List.of(leaf), "mx.example.test"));
        assertTrue(DaneVerifier.of(List.of(tlsa(3, 1, 1, leaf))).usable());
    }
}
