package warmwire.delivery.dkim;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.delivery.DeliveryConfig;

/**
 * NAME
 *   Signing - which signers apply to a queued message, and the message signed by them.
 * DESCRIPTION
 *   A signer ({@code warmwire.dkim.signers."<name>"}) applies when the domain of the message's
 *   From field is one of its from-domains (by default its signing domain and the domains below
 *   it, DMARC's relaxed alignment) and, if it names tenants, the message's tenant is one of
 *   them. Every signer that applies signs, in the order of their names (an Ed25519 and an RSA
 *   signature side by side, as RFC 8463 section 4 suggests).
 *   A message signed before ({@link QueuedMessage#signed()}, its first routing) is left as it is:
 *   a retry carries the same signatures. A key is read from its file when the file changed since
 *   the last read, so a rotated secret is used without a restart.
 *   A signer that applies and cannot sign (its key missing or unusable) fails the message if the
 *   signer is required (the default): the caller defers it, and it is never sent unsigned;
 *   otherwise the signature is left out and a warning logged. A message whose From field has no
 *   address has no From domain, so no signer applies to it. The signed fields always include
 *   From (RFC 6376 5.4), whatever {@code warmwire.dkim.headers} lists.
 */
@ApplicationScoped
public class Signing {
    private static final Logger LOG = Logger.getLogger(Signing.class);

    /** What signing one message gave. */
    public sealed interface Result {
        /** Signed (or nothing to sign): the message to route. */
        record Ready(QueuedMessage message) implements Result {
        }

        /** A required signer could not sign: defer the message. */
        record Failed(String reason) implements Result {
        }
    }

    private final DeliveryConfig.Dkim config;
    private final Map<String, DeliveryConfig.Dkim.Signer> signers;
    private final Map<String, Loaded> keys = new ConcurrentHashMap<>();
    /** The fields signed: warmwire.dkim.headers or DkimSigner.HEADERS, From always among them. */
    private final List<String> headers;

    private record Loaded(long modified, long size, SigningKey key) {
    }

    @Inject
    public Signing(DeliveryConfig config) {
        this(config.dkim());
    }

    Signing(DeliveryConfig.Dkim config) {
        this.config = config;
        this.signers = new TreeMap<>(config.signers());
        List<String> h = config.headers().filter(l -> !l.isEmpty()).orElse(DkimSigner.HEADERS);
        if (h.stream().noneMatch(n -> n.equalsIgnoreCase("from"))) { // RFC 6376 5.4: From MUST be signed
            h = new ArrayList<>(h);
            h.add(0, "from");
        }
        this.headers = List.copyOf(h);
    }

    /** {@code m} signed by the signers that apply to it, or the reason a required one could not. */
    public Result sign(QueuedMessage m, Instant now) {
        if (m.signed() || signers.isEmpty() || m.content() == null) {
            return new Result.Ready(m);
        }
        MessageText text = MessageText.parse(MessageText.crlf(m.content()));
        String fromDomain = text.fromDomain();
        List<SigningKey> use = new ArrayList<>();
        boolean required = false;
        for (Map.Entry<String, DeliveryConfig.Dkim.Signer> e : signers.entrySet()) {
            DeliveryConfig.Dkim.Signer s = e.getValue();
            if (!appliesTo(s, fromDomain, m.tenant())) {
                continue;
            }
            try {
                use.add(key(e.getKey(), s));
                required |= s.required();
            } catch (IllegalArgumentException | IOException x) {
                // the reason reaches events and DELAY notices: the key file's name, not its folder
                String why = x instanceof IOException ? x.getClass().getSimpleName() + " on "
                        + s.keyFile().map(f -> String.valueOf(Path.of(f).getFileName())).orElse("the key") : x.getMessage();
                String reason = "DKIM signer " + e.getKey() + " (d=" + s.domain() + ", s=" + s.selector()
                        + ") has no usable key: " + why;
                if (s.required()) {
                    LOG.warnf("%s: DKIM signer %s cannot sign (%s); the message is deferred", m.id(), e.getKey(), x.toString());
                    return new Result.Failed(reason);
                }
                LOG.warnf("%s: %s; sent without this signature (the signer is not required)", m.id(), reason);
            }
        }
        if (use.isEmpty()) {
            return new Result.Ready(m);
        }
        try {
            return new Result.Ready(m.signedAs(DkimSigner.sign(text, use, now, config.expire(), headers,
                    DkimSigner.OVERSIGN)));
        } catch (RuntimeException x) {
            String reason = "DKIM signing failed: " + x.getMessage();
            if (required) {
                return new Result.Failed(reason);
            }
            LOG.warnf("%s: %s; sent unsigned (no signer is required)", m.id(), reason);
            return new Result.Ready(m);
        }
    }

    /** Whether {@code s} signs mail whose From domain is {@code fromDomain} for {@code tenant}. */
    static boolean appliesTo(DeliveryConfig.Dkim.Signer s, String fromDomain, String tenant) {
        List<String> tenants = s.tenants().orElse(List.of());
        if (!tenants.isEmpty() && (tenant == null || !tenants.contains(tenant))) {
            return false;
        }
        String d = s.domain().toLowerCase(Locale.ROOT);
        List<String> from = s.fromDomains().filter(f -> !f.isEmpty()).orElse(List.of(d, "." + d));
        return fromDomain != null && from.stream().map(f -> f.toLowerCase(Locale.ROOT))
                .anyMatch(f -> f.startsWith(".") ? fromDomain.endsWith(f) : fromDomain.equals(f));
    }

    private SigningKey key(String name, DeliveryConfig.Dkim.Signer s) throws IOException {
        if (s.keyFile().isPresent() && !s.keyFile().get().isBlank()) {
            Path p = Path.of(s.keyFile().get());
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            Loaded l = keys.get(name);
            if (l == null || l.modified() != a.lastModifiedTime().toMillis() || l.size() != a.size()) {
                String pem = Files.readString(p, StandardCharsets.US_ASCII);
                l = new Loaded(a.lastModifiedTime().toMillis(), a.size(), SigningKey.fromPem(s.domain(), s.selector(), pem));
                keys.put(name, l);
            }
            return l.key();
        }
        String pem = s.key().filter(k -> !k.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("neither key-file nor key is set"));
        return keys.computeIfAbsent(name, n -> new Loaded(0, pem.length(), SigningKey.fromPem(s.domain(), s.selector(), pem)))
                .key();
    }
}
