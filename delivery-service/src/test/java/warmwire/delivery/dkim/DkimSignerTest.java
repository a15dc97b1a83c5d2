package warmwire.delivery.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signatures made by {@link DkimSigner}, checked by an independent verifier: dkimpy (Debian's
 * python3-dkim, installed by deploy/local/install-deps.sh) through deploy/local/dkim-verify.py.
 */
class DkimSignerTest {
    static final Path VERIFY = Path.of("..", "deploy", "local", "dkim-verify.py").toAbsolutePath().normalize();
    static final String MESSAGE = "From: \"Sender, Example\" <news@mail.example.org>\n"
            + "To: someone@example.net\n"
            + "Subject:  a folded\n\t subject   with  spaces  \n"
            + "Date: Sun, 06 Dec 2026 08:00:00 +0000\n"
            + "Message-ID: <dkim-test@mail.example.org>\n"
            + "MIME-Version: 1.0\n"
            + "Content-Type: text/plain; charset=utf-8\n"
            + "X-Not-Signed: anything\n"
            + "\n"
            + "Hello,  world \t\n"
            + ".a line with a leading dot\n"
            + "\u00e9t\u00e9 in UTF-8\n"
            + "\n\n";

    static KeyPair rsa;
    static KeyPair ed25519;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    static String pem(KeyPair k) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(k.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** The TXT record of a key: RSA as SubjectPublicKeyInfo, Ed25519 as the raw 32 bytes (RFC 8463 4.2). */
    static String record(KeyPair k) {
        byte[] spki = k.getPublic().getEncoded();
        boolean ed = k.getPublic().getAlgorithm().equals("EdDSA") || k.getPublic().getAlgorithm().equals("Ed25519");
        byte[] p = ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki;
        return "v=DKIM1; k=" + (ed ? "ed25519" : "rsa") + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    private int verify(byte[] message, String records) throws Exception {
        Path r = dir.resolve("records");
        Files.writeString(r, records);
        Path in = dir.resolve("message");
        Files.write(in, message);
        Process p = new ProcessBuilder("/usr/bin/python3", VERIFY.toString(), r.toString())
                .redirectInput(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        System.out.println(out);
        assertTrue(!out.contains("No module named"), "python3-dkim is installed (deploy/local/install-deps.sh): " + out);
        return p.exitValue();
    }

    private static String records() {
        return "rsa1._domainkey.example.org " + record(rsa) + "\n" + "ed1._domainkey.example.org " + record(ed25519) + "\n";
    }

    private static List<SigningKey> signers() {
        return List.of(SigningKey.fromPem("example.org", "ed1", pem(ed25519)),
                SigningKey.fromPem("example.org", "rsa1", pem(rsa)));
    }

    @Test
    void rsaAndEd25519SignaturesPassAnIndependentVerifier() throws Exception {
        byte[] signed = DkimSigner.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), signers(), Instant.now(),
                Duration.ofDays(7));
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=rsa1;"), text);
        assertTrue(text.contains("DKIM-Signature: v=1; a=ed25519-sha256;"), text);
        assertTrue(text.contains("h=from:from:") || text.contains("h=from:\r\n"), "From oversigned: " + text);
        assertTrue(!text.contains("x-not-signed"), text);
        assertEquals(0, verify(signed, records()));
    }

    @Test
    void aChangedByteOfTheBodyFails() throws Exception {
        byte[] signed = DkimSigner.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), signers(), Instant.now(), Duration.ZERO);
        int at = new String(signed, StandardCharsets.ISO_8859_1).indexOf("Hello");
        signed[at] = 'J';
        assertEquals(1, verify(signed, records()));
    }

    @Test
    void aSecondFromFieldFails() throws Exception {
        byte[] signed = DkimSigner.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), signers(), Instant.now(), Duration.ZERO);
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        int body = text.indexOf("\r\n\r\n");
        String forged = text.substring(0, body) + "\r\nFrom: other@attacker.example" + text.substring(body);
        assertEquals(1, verify(forged.getBytes(StandardCharsets.ISO_8859_1), records()));
    }

    @Test
    void whitespaceChangesThatRelaxedIgnoresStillPass() throws Exception {
        byte[] signed = DkimSigner.sign(MESSAGE.getBytes(StandardCharsets.UTF_8), signers(), Instant.now(), Duration.ZERO);
        String text = new String(signed, StandardCharsets.ISO_8859_1).replace("Hello,  world", "Hello, world")
                .replace("Subject:  a folded", "Subject: a folded");
        assertEquals(0, verify(text.getBytes(StandardCharsets.ISO_8859_1), records()));
    }

    @Test
    void aMessageWithoutFromIsNotSigned() {
        assertThrows(IllegalArgumentException.class,
                () -> DkimSigner.sign("Subject: x\n\nbody\n".getBytes(), signers(), Instant.now(), Duration.ZERO));
    }

    @Test
    void keysThatCannotSignAreRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(512);
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> SigningKey.fromPem("example.org", "s", pem(g.generateKeyPair())));
        assertTrue(small.getMessage().contains("RFC 8301"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SigningKey.fromPem("example.org", "s",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"));
        assertThrows(IllegalArgumentException.class, () -> SigningKey.fromPem("example.org", "s", "garbage"));
    }
}
