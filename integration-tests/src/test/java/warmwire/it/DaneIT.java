package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DANE (RFC 7672) end to end with real DNSSEC: BIND's named serves the signed zone dane.test
 * and its child zones ({@code deploy/local/dnssec-peer.sh}, started by {@link Mesh}), whose KSK
 * is delivery-service's trust anchor here; dnsmasq forwards the zone's names to it for the
 * ordinary lookups. Every MX host is the Postfix peer; the TLSA records name its key, or do not.
 * Cases: valid TLSA records, a wrong hash, a bogus delegation (a DS that matches no key), an
 * insecure delegation (an unsigned child zone: its TLSA records are ignored). Each asserts the
 * outcome and, from the peer's own log, that the mail went over TLS or not at all. Bogus
 * signatures (altered after signing, badsig.dane.test) are a case of their own.
 */
class DaneIT {
    /** Domains the Postfix peer accepts for this test. */
    static final String PEER_DOMAINS = "good.dane.test wrong.dane.test insecure.dane.test bogus.dane.test badsig.dane.test";
    /** The child zone served unsigned (no DS in dane.test). */
    static final String UNSIGNED = "insecure.dane.test";
    /** The child zone whose DS in dane.test matches none of its keys. */
    static final String BAD_DS = "bogus.dane.test";
    /** The child zone whose signatures over MX records are altered after signing. */
    static final String BAD_SIG = "badsig.dane.test";

    private static final Duration WAIT = Duration.ofSeconds(90);
    private final Mesh mesh = Mesh.get();

    /**
     * The zone files (origin to text): TLSA records at {@code _<port>._tcp.<mx>} with the
     * SHA-256 of the key of {@code cert} (3 1 1), or zeros while it does not exist yet.
     */
    static Map<String, String> zones(Path cert, int port) {
        String hash = "00".repeat(32);
        if (Files.isReadable(cert)) {
            try (InputStream in = Files.newInputStream(cert)) {
                X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read " + cert, e);
            }
        }
        String soa = "$TTL 60\n@ SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 60\n";
        String tcp = "._tcp.";
        Map<String, String> z = new LinkedHashMap<>();
        z.put("dane.test", soa + "@ NS ns\nns A 127.0.0.1\n"
                + "good MX 10 mx.good\nmx.good A 127.0.0.1\n_" + port + tcp + "mx.good TLSA 3 1 1 " + hash + "\n"
                + "wrong MX 10 mx.wrong\nmx.wrong A 127.0.0.1\n_" + port + tcp + "mx.wrong TLSA 3 1 1 " + "5a".repeat(32) + "\n"
                + "insecure NS ns\nbogus NS ns\nbadsig NS ns\n");
        String child = soa + "@ NS ns.dane.test.\n@ MX 10 mx\nmx A 127.0.0.1\n_" + port + tcp + "mx TLSA 3 1 1 " + hash + "\n";
        z.put(UNSIGNED, child);
        z.put(BAD_DS, child);
        z.put(BAD_SIG, child);
        return z;
    }

    private JsonNode send(String rcpt, String level) throws Exception {
        Mail mail = new Mail("sender@warmwire.test", rcpt).tls(level);
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, WAIT).get(0);
        Thread.sleep(1000); // the peer's log lines of the session
        Boolean overTls = PeerLog.overTls(mesh.peerLog(), mail.messageId);
        if ("delivered".equals(e.path("status").asText())) {
            assertEquals(Boolean.TRUE, overTls, "delivered over TLS: " + e);
        } else {
            assertEquals(null, overTls, "no byte of the message reached the peer: " + e);
        }
        return e;
    }

    @Test
    void validTlsaRecordsDeliverVerifiedByThem() throws Exception {
        for (String level : new String[] {"dane", "dane-only"}) {
            JsonNode e = send("ann@good.dane.test", level);
            assertEquals("delivered", e.path("status").asText(), e.toString());
            assertEquals("mx.good.dane.test:" + Mesh.PEER_TLS_PORT + "/" + level + "/dane", e.path("site").asText());
            assertEquals("dane", e.path("tls").path("policy").asText(), e.toString());
            assertEquals(level, e.path("tls").path("level").asText(), e.toString());
            assertTrue(e.path("tls").path("verified").asBoolean(), "verified by TLSA: " + e);
        }
    }

    @Test
    void aWrongHashDefersAndSendsNothing() throws Exception {
        JsonNode e = send("ben@wrong.dane.test", "dane");
        assertEquals("deferred", e.path("status").asText(), e.toString());
        assertTrue(e.path("reason").asText().contains("no TLSA record matches the certificate chain"), e.toString());
    }

    @Test
    void aBrokenChainOfTrustDefersNeverDowngrades() throws Exception {
        bogus("cid@bogus.dane.test"); // its DS in dane.test matches none of its keys
    }

    @Test
    void aBogusSignatureDefersNeverDowngrades() throws Exception {
        bogus("fay@badsig.dane.test"); // its MX records' signatures altered after signing
    }

    /** At both levels: deferred 4.7.5 for a failed validation, nothing connected. */
    private void bogus(String rcpt) throws Exception {
        for (String level : new String[] {"dane", "dane-only"}) {
            JsonNode e = send(rcpt, level);
            assertEquals("deferred", e.path("status").asText(), e.toString());
            assertEquals("4.7.5", e.path("dsn").asText(), e.toString());
            assertTrue(e.path("reason").asText().contains("DNSSEC validation failed"), e.toString());
            assertEquals("none", e.path("relay").asText(), "no connection was made: " + e);
        }
    }

    @Test
    void anInsecureDelegationIsNoDaneItsTlsaRecordsIgnored() throws Exception {
        JsonNode e = send("dee@insecure.dane.test", "dane");
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertEquals("mx.insecure.dane.test:" + Mesh.PEER_TLS_PORT + "/dane", e.path("site").asText(), "no /dane source: " + e);
        assertEquals("config", e.path("tls").path("policy").asText(), e.toString());
        assertFalse(e.path("tls").path("verified").asBoolean(), "opportunistic TLS: " + e);

        JsonNode only = send("eve@insecure.dane.test", "dane-only");
        assertEquals("deferred", only.path("status").asText(), only.toString());
        assertEquals("4.7.5", only.path("dsn").asText(), only.toString());
        assertTrue(only.path("reason").asText().contains("not DNSSEC-signed"), only.toString());
    }
}
