package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Level secure (Postfix's secure with "nexthop, dot-nexthop"): the certificate must name the
 * recipient domain or a host below it, whatever the MX host is called. The Postfix peer's
 * certificate names mail.secure.test; secure.test's MX host is mx.secure.test (real DNS, the
 * dnsmasq peer), which the certificate does not name; stranger.test's is mx.stranger.test.
 */
class SecureLevelIT {
    /** Domains the Postfix peer accepts for this test. */
    static final String PEER_DOMAINS = "secure.test stranger.test";
    /** The name the peer's certificate carries for it. */
    static final String CERT_NAMES = "mail.secure.test";
    /** Their DNS records. */
    static final List<String> RECORDS = List.of("mx-host=secure.test,mx.secure.test,10", "host-record=mx.secure.test,127.0.0.1",
            "mx-host=stranger.test,mx.stranger.test,10", "host-record=mx.stranger.test,127.0.0.1");

    private final Mesh mesh = Mesh.get();

    private JsonNode send(String rcpt, String level, String status) throws Exception {
        Mail mail = new Mail("sender@warmwire.test", rcpt).tls(level);
        mesh.submit(mail.id, mail.json());
        JsonNode e = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(90)).get(0);
        assertEquals(status, e.path("status").asText(), e.toString());
        Thread.sleep(1000); // the peer's log lines of the session
        Boolean overTls = PeerLog.overTls(mesh.peerLog(), mail.messageId);
        assertEquals(status.equals("delivered") ? Boolean.TRUE : null, overTls, "over TLS, or nothing sent: " + e);
        return e;
    }

    @Test
    void secureVerifiesTheRecipientDomainWhereVerifyChecksTheMxName() throws Exception {
        JsonNode verify = send("ann@secure.test", "verify", "deferred");
        assertTrue(verify.path("reason").asText().contains("certificate does not match host name mx.secure.test"),
                verify.toString());

        JsonNode secure = send("ben@secure.test", "secure", "delivered");
        assertEquals("mx.secure.test:" + Mesh.PEER_TLS_PORT + "/secure/match=secure.test+.secure.test",
                secure.path("site").asText());
        assertTrue(secure.path("tls").path("verified").asBoolean(), secure.toString());
        assertEquals("secure", secure.path("tls").path("level").asText(), secure.toString());
    }

    @Test
    void secureRefusesACertificateThatNamesNothingOfTheDomain() throws Exception {
        JsonNode e = send("cid@stranger.test", "secure", "deferred");
        assertTrue(e.path("reason").asText().contains("certificate matches none of stranger.test, .stranger.test"),
                e.toString());
    }
}
