package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.testing.TestChain;

/** Level secure: the chain as for verify, the name against the recipient domain's names, not the MX host. */
class SecureMatchTest {
    @TempDir
    static Path dir;
    private static TestChain chain;
    private static TrustFileVerifier trust;

    @BeforeAll
    static void certificates() throws Exception {
        chain = new TestChain(dir);
        trust = TrustFileVerifier.fromTrustFile(chain.caPem());
    }

    @Test
    void aSubdomainNameMatchesTheDomainsDotNameWhateverTheMxHost() {
        List<Certificate> c = List.of(chain.leaf, chain.ca);
        assertTrue(trust.problem(c, "mx.hoster.test").contains("does not match host name"), "verify: the MX name");
        PeerVerifier secure = trust.matching(List.of("example.test", ".example.test"));
        assertNull(secure.problem(c, "mx.hoster.test"), "mx.example.test is below example.test");
        assertNull(trust.matching(List.of("mx.example.test")).problem(c, "mx.hoster.test"), "a configured name");
        assertEquals("certificate matches none of other.test, .other.test",
                trust.matching(List.of("other.test", ".other.test")).problem(c, "mx.example.test"));
        assertTrue(trust.matching(List.of("example.test", ".example.test")).problem(List.of(chain.leaf), "x")
                == null, "the CA is in the trust file: the leaf alone is a chain");
        TrustFileVerifier otherAnchors = TrustFileVerifier.fromTrustFile(dir.resolve("other.pem"));
        assertTrue(otherAnchors.matching(List.of(".example.test")).problem(c, "x").startsWith("untrusted issuer"),
                "names never excuse the chain");
    }

    @Test
    void dotNamesFollowPostfixsDotNexthop() {
        assertTrue(HostnameMatcher.matches(chain.leaf, ".example.test"));
        assertTrue(HostnameMatcher.matches(chain.leaf, ".test"));
        assertTrue(!HostnameMatcher.matches(chain.leaf, ".mx.example.test"), "not the name itself");
        assertTrue(!HostnameMatcher.matches(chain.leaf, ".xample.test"), "label boundary");
        assertTrue(!HostnameMatcher.matches(chain.leaf, "example.test"), "exactly, without the dot");
    }
}
