package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * NAME
 *   DkimIT - mail is DKIM-signed once before delivery, and an independent verifier accepts it.
 * DESCRIPTION
 *   Issue 15, "DKIM signing", over the real mesh. delivery-service has three signers
 *   ({@link #signers}, written by Mesh.java into its properties before the mesh starts): an
 *   Ed25519 and an RSA-2048 key for dkim.test, and one for nokey.test whose key file is missing
 *   until a test writes it. The receiver is this JVM's {@link SmtpSink} (sink.test); the check
 *   is dkimpy's (Debian's python3-dkim) through deploy/local/dkim-verify.py, with the public
 *   keys in a records file instead of DNS.
 *   - mail From dkim.test arrives with an ed25519-sha256 and an rsa-sha256 signature that both
 *     verify; with one byte of the body changed, neither does;
 *   - mail from a domain no signer covers arrives unsigned;
 *   - a required signer without its key defers the mail (4.7.0, the reason names the key) and
 *     nothing reaches the receiver; once the key is there, the retry is delivered signed.
 */
class DkimIT {
    static final String DOMAIN = "dkim.test";
    static final String NOKEY_DOMAIN = "nokey.test";
    private final Mesh mesh = Mesh.get();

    /** Makes the keys and the records file under {@code dir}; the delivery-service properties of the signers. */
    static String signers(Path dir) throws IOException, NoSuchAlgorithmException {
        Files.createDirectories(dir);
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair nokey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("rsa1.pem"), pem(rsa));
        Files.writeString(dir.resolve("ed1.pem"), pem(ed));
        Files.writeString(dir.resolve("nokey.pem.later"), pem(nokey));
        Files.deleteIfExists(dir.resolve("nokey.pem"));
        Files.writeString(dir.resolve("records"), String.join("\n",
                "rsa1._domainkey." + DOMAIN + " " + record(rsa),
                "ed1._domainkey." + DOMAIN + " " + record(ed),
                "s1._domainkey." + NOKEY_DOMAIN + " " + record(nokey), ""));
        return String.join("\n", "# written by integration-tests Mesh.java for DkimIT",
                "warmwire.dkim.signers.it-ed.domain=" + DOMAIN,
                "warmwire.dkim.signers.it-ed.selector=ed1",
                "warmwire.dkim.signers.it-ed.key-file=" + dir.resolve("ed1.pem"),
                "warmwire.dkim.signers.it-rsa.domain=" + DOMAIN,
                "warmwire.dkim.signers.it-rsa.selector=rsa1",
                "warmwire.dkim.signers.it-rsa.key-file=" + dir.resolve("rsa1.pem"),
                "warmwire.dkim.signers.nokey.domain=" + NOKEY_DOMAIN,
                "warmwire.dkim.signers.nokey.selector=s1",
                "warmwire.dkim.signers.nokey.key-file=" + dir.resolve("nokey.pem"), "");
    }

    private static String pem(KeyPair k) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(k.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** RSA as SubjectPublicKeyInfo, Ed25519 as its raw 32 bytes (RFC 8463 section 4.2). */
    private static String record(KeyPair k) {
        byte[] spki = k.getPublic().getEncoded();
        boolean ed = !k.getPublic().getAlgorithm().equals("RSA");
        byte[] p = ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki;
        return "v=DKIM1; k=" + (ed ? "ed25519" : "rsa") + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    private Path dir() {
        return mesh.state.resolve("dkim");
    }

    /** The exit code of dkim-verify.py on {@code message}, its output appended to {@code out}. */
    private int verify(byte[] message, StringBuilder out) throws Exception {
        Path in = Files.createTempFile(dir(), "message", ".eml");
        try {
            Files.write(in, message);
            Process p = new ProcessBuilder("/usr/bin/python3", mesh.root.resolve("deploy/local/dkim-verify.py").toString(),
                    dir().resolve("records").toString()).redirectInput(in.toFile()).redirectErrorStream(true).start();
            out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dkim-verify.py ended");
            return p.exitValue();
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /** The message as it came over SMTP: the sink keeps lines joined by LF; they were CR LF. */
    private static byte[] wire(SmtpSink.Received r) {
        return r.data().replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private SmtpSink.Received deliveredOnce(Mail mail, String rcpt) throws Exception {
        List<JsonNode> events = mesh.events.awaitEvents(e -> mail.id.equals(e.path("id").asText())
                && "delivered".equals(e.path("status").asText()), 1, Duration.ofSeconds(60));
        assertEquals(1, events.size(), "delivered: " + mesh.events.seen(mail.id));
        List<SmtpSink.Received> got = SmtpSink.shared(Mesh.SINK_PORT).receivedFor(rcpt);
        assertEquals(1, got.size(), "one copy at the receiver");
        return got.get(0);
    }

    @Test
    void signedWithEd25519AndRsaAndAnIndependentVerifierAgrees() throws Exception {
        SmtpSink.shared(Mesh.SINK_PORT);
        String rcpt = "dkim-" + UUID.randomUUID() + "@sink.test";
        Mail mail = new Mail("news@" + DOMAIN, rcpt);
        mesh.submit(mail.id, mail.json());
        SmtpSink.Received r = deliveredOnce(mail, rcpt);
        byte[] wire = wire(r);
        String text = new String(wire, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("a=ed25519-sha256; c=relaxed/relaxed; d=" + DOMAIN + "; s=ed1;"), text);
        assertTrue(text.contains("a=rsa-sha256; c=relaxed/relaxed; d=" + DOMAIN + "; s=rsa1;"), text);
        StringBuilder out = new StringBuilder();
        assertEquals(0, verify(wire, out), "dkimpy verifies both signatures: " + out);
        assertTrue(out.toString().contains("a=ed25519-sha256: pass") && out.toString().contains("a=rsa-sha256: pass"),
                out.toString());

        int body = text.indexOf("Hello from Warmwire");
        assertTrue(body > 0, text);
        wire[body] = 'J';
        StringBuilder changed = new StringBuilder();
        assertEquals(1, verify(wire, changed), "a changed byte of the body fails: " + changed);
        assertTrue(!changed.toString().contains(": pass"), changed.toString());
    }

    @Test
    void mailFromADomainNoSignerCoversIsNotSigned() throws Exception {
        SmtpSink.shared(Mesh.SINK_PORT);
        String rcpt = "nodkim-" + UUID.randomUUID() + "@sink.test";
        Mail mail = new Mail("sender@warmwire.test", rcpt);
        mesh.submit(mail.id, mail.json());
        assertNull(deliveredOnce(mail, rcpt).header("DKIM-Signature"));
    }

    @Test
    void aRequiredSignerWithoutItsKeyDefersAndTheRetryIsSigned() throws Exception {
        SmtpSink sink = SmtpSink.shared(Mesh.SINK_PORT);
        Path key = dir().resolve("nokey.pem");
        Files.deleteIfExists(key);
        String rcpt = "nokey-" + UUID.randomUUID() + "@sink.test";
        Mail mail = new Mail("alerts@" + NOKEY_DOMAIN, rcpt);
        mesh.submit(mail.id, mail.json());
        JsonNode deferred = mesh.events.awaitEvents(mail.id, 1, Duration.ofSeconds(60)).get(0);
        assertEquals("deferred", deferred.path("status").asText(), deferred.toString());
        assertEquals("4.7.0", deferred.path("dsn").asText(), deferred.toString());
        assertTrue(deferred.path("reason").asText().contains("nokey.pem"), deferred.toString());
        assertEquals(0, sink.receivedFor(rcpt).size(), "nothing sent unsigned");
        assertEquals(0, sink.attempts(rcpt).size(), "not even an RCPT TO");

        Files.copy(dir().resolve("nokey.pem.later"), key);
        SmtpSink.Received r = deliveredOnce(mail, rcpt);
        StringBuilder out = new StringBuilder();
        assertEquals(0, verify(wire(r), out), "the retry is signed: " + out);
        assertTrue(r.header("DKIM-Signature").contains("d=" + NOKEY_DOMAIN), r.data());
    }
}
