package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warmwire.session.testing.TestChain;

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
        TestChain c = new TestChain(dir);
        ca = c.ca;
        leaf = c.leaf;
        otherCa = c.otherCa;
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
