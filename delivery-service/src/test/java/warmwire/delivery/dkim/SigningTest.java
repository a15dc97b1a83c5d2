package warmwire.delivery.dkim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.delivery.DeliveryConfig;

class SigningTest {
    @TempDir
    Path dir;

    record Signer(String domain, String selector, Optional<String> keyFile, Optional<String> key,
                  Optional<List<String>> fromDomains, Optional<List<String>> tenants, boolean required)
            implements DeliveryConfig.Dkim.Signer {
    }

    record Dkim(Map<String, DeliveryConfig.Dkim.Signer> signers, Duration expire, Optional<List<String>> headers)
            implements DeliveryConfig.Dkim {
    }

    static QueuedMessage message(String from, String tenant) {
        byte[] body = ("From: <" + from + ">\nTo: <r@example.net>\nSubject: s\n\nbody\n").getBytes(StandardCharsets.US_ASCII);
        return new QueuedMessage("m1", from, List.of("r@example.net"), body, TlsLevel.MAY, tenant, null, null, 1,
                Instant.now());
    }

    static Signing signing(DeliveryConfig.Dkim.Signer... signers) {
        Map<String, DeliveryConfig.Dkim.Signer> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < signers.length; i++) {
            m.put("s" + i, signers[i]);
        }
        return new Signing(new Dkim(m, Duration.ZERO, Optional.empty()));
    }

    @Test
    void signsOnceAndARetryKeepsTheSignature() throws Exception {
        Signing s = signing(new Signer("example.org", "ed1", Optional.empty(), Optional.of(pem()), Optional.empty(),
                Optional.empty(), true));
        QueuedMessage m = message("a@news.example.org", null);
        QueuedMessage signed = ((Signing.Result.Ready) s.sign(m, Instant.now())).message();
        assertTrue(signed.signed());
        String text = new String(signed.content(), StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("DKIM-Signature: v=1; a=ed25519-sha256;"), text);
        QueuedMessage retry = signed.retry(signed.recipients(), 2, Instant.now(), false);
        assertTrue(retry.signed());
        assertArrayEquals(signed.content(), ((Signing.Result.Ready) s.sign(retry, Instant.now())).message().content(),
                "a retry is not signed again");
    }

    @Test
    void onlyMatchingFromDomainsAndTenantsAreSigned() throws Exception {
        Signing s = signing(new Signer("example.org", "ed1", Optional.empty(), Optional.of(pem()), Optional.empty(),
                Optional.of(List.of("acme")), true));
        assertFalse(ready(s, message("a@example.org", "other")).signed(), "another tenant");
        assertFalse(ready(s, message("a@example.com", "acme")).signed(), "another From domain");
        assertFalse(ready(s, message("a@badexample.org", "acme")).signed(), "not below the domain");
        assertTrue(ready(s, message("a@example.org", "acme")).signed());
        Signing exact = signing(new Signer("example.org", "ed1", Optional.empty(), Optional.of(pem()),
                Optional.of(List.of("example.org")), Optional.empty(), true));
        assertFalse(ready(exact, message("a@sub.example.org", null)).signed(), "from-domains without the dot form");
    }

    @Test
    void aRequiredSignerWithoutAKeyFailsTheMessageAndAnOptionalOneIsLeftOut() {
        Signer missing = new Signer("example.org", "rsa1", Optional.of(dir.resolve("absent.pem").toString()),
                Optional.empty(), Optional.empty(), Optional.empty(), true);
        Signing.Result r = signing(missing).sign(message("a@example.org", null), Instant.now());
        assertInstanceOf(Signing.Result.Failed.class, r);
        assertTrue(((Signing.Result.Failed) r).reason().contains("absent.pem"), r.toString());
        assertFalse(((Signing.Result.Failed) r).reason().contains(dir.toString()), "the key's folder stays out: " + r);
        Signer optional = new Signer("example.org", "rsa1", missing.keyFile(), Optional.empty(), Optional.empty(),
                Optional.empty(), false);
        assertFalse(ready(signing(optional), message("a@example.org", null)).signed());
    }

    @Test
    void aRotatedKeyFileIsReadAgain() throws Exception {
        Path key = dir.resolve("key.pem");
        Files.writeString(key, pem());
        Signing s = signing(new Signer("example.org", "ed1", Optional.of(key.toString()), Optional.empty(),
                Optional.empty(), Optional.empty(), true));
        assertTrue(ready(s, message("a@example.org", null)).signed());
        Files.writeString(key, "not a key any more");
        Files.setLastModifiedTime(key, FileTime.from(Instant.now().plusSeconds(5)));
        assertInstanceOf(Signing.Result.Failed.class, s.sign(message("a@example.org", null), Instant.now()));
        Files.writeString(key, pem());
        Files.setLastModifiedTime(key, FileTime.from(Instant.now().plusSeconds(10)));
        assertTrue(ready(s, message("a@example.org", null)).signed());
    }

    @Test
    void withoutSignersNothingChanges() {
        QueuedMessage m = message("a@example.org", null);
        assertEquals(m, ready(signing(), m));
    }

    private static QueuedMessage ready(Signing s, QueuedMessage m) {
        return ((Signing.Result.Ready) s.sign(m, Instant.now())).message();
    }

    private static String pem() throws Exception {
        return DkimSignerTest.pem(java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    }
}
