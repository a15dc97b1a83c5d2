package warmwire.delivery.dane;

import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;
import warmwire.delivery.mx.DnsTemporaryFailure;

/**
 * NAME
 *   DnssecLookup - DNSSEC-validated queries (dnsjava's ValidatingResolver) for DANE.
 * DESCRIPTION
 *   Every query goes to the configured servers (recursive resolvers that pass DNSSEC records
 *   through, or in tests the authoritative server itself) with the DO and CD bits; this
 *   process validates the answer from the trust anchors given (the root's KSKs in production)
 *   down the chain of DS and DNSKEY records. An answer is:
 *     - {@link Security#SECURE}: the records (or the proof that there are none) are signed along
 *       an unbroken chain from a trust anchor;
 *     - {@link Security#INSECURE}: the chain proves the zone unsigned (an insecure delegation),
 *       or no anchor covers it;
 *     - a bogus answer (a chain that should validate and does not: bad signatures, expired
 *       signatures, a DS that matches no key, a stripped signature) fails the lookup with
 *       {@link DnsTemporaryFailure} naming the validator's reason, as do timeouts and SERVFAIL:
 *       a bogus answer is never treated as insecure, so it cannot downgrade DANE.
 *   The validator keeps the DNSKEYs it validated (its own key cache); answers are not cached.
 */
public final class DnssecLookup {
    /** What the validator proved about an answer. */
    public enum Security { SECURE, INSECURE }

    /**
     * One validated answer.
     *
     * @param records  the records of the type asked for, in the answer section
     * @param nxdomain the name does not exist (secure or not, as {@code security} says)
     */
    public record Answer(Security security, List<Record> records, boolean nxdomain) {
        public boolean secure() {
            return security == Security.SECURE;
        }
    }

    private final ValidatingResolver resolver;

    /**
     * @param anchors trust anchors, DS or DNSKEY records in master file format
     * @throws IOException when the anchors cannot be read
     */
    public DnssecLookup(List<InetSocketAddress> servers, InputStream anchors, Duration timeout) throws IOException {
        List<Resolver> upstream = new ArrayList<>();
        for (InetSocketAddress s : servers) {
            SimpleResolver r = new SimpleResolver(s);
            r.setTimeout(timeout);
            upstream.add(r);
        }
        Resolver r = upstream.size() == 1 ? upstream.get(0) : new ExtendedResolver(upstream);
        if (r instanceof ExtendedResolver e) {
            e.setTimeout(timeout);
            e.setRetries(1);
        }
        this.resolver = new ValidatingResolver(r);
        this.resolver.loadTrustAnchors(anchors);
        if (resolver.getTrustAnchors().items().isEmpty()) {
            throw new IOException("no trust anchor (DS or DNSKEY record) read");
        }
    }

    /** How many trust anchors were loaded. */
    public int anchors() {
        return resolver.getTrustAnchors().items().size();
    }

    /** Records of {@code type} ({@link Type}) at {@code name}, validated. */
    public Uni<Answer> query(String name, int type) {
        Message q;
        try {
            q = Message.newQuery(Record.newRecord(Name.fromString(absolute(name)), type, DClass.IN));
        } catch (TextParseException e) {
            return Uni.createFrom().failure(new DnsTemporaryFailure(Type.string(type), name, "bad name: " + e.getMessage()));
        }
        return Uni.createFrom().completionStage(() -> resolver.sendAsync(q))
                .onFailure().transform(t -> new DnsTemporaryFailure(Type.string(type), name, describe(t)))
                .map(resp -> answer(resp, name, type));
    }

    private static Answer answer(Message resp, String name, int type) {
        int rcode = resp.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            String reason = reason(resp);
            throw new DnsTemporaryFailure(Type.string(type), name,
                    reason != null ? "DNSSEC validation failed: " + reason : Rcode.string(rcode));
        }
        List<Record> records = new ArrayList<>();
        for (Record r : resp.getSection(Section.ANSWER)) {
            if (r.getType() == type) {
                records.add(r);
            }
        }
        Security s = resp.getHeader().getFlag(Flags.AD) ? Security.SECURE : Security.INSECURE;
        return new Answer(s, List.copyOf(records), rcode == Rcode.NXDOMAIN);
    }

    /** The validator's reason, which it adds as a TXT record of its own class. */
    private static String reason(Message resp) {
        for (Record r : resp.getSection(Section.ADDITIONAL)) {
            if (r instanceof TXTRecord t && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS) {
                return String.join(" ", t.getStrings());
            }
        }
        return null;
    }

    private static String absolute(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    private static String describe(Throwable t) {
        Throwable c = t.getCause() != null && t instanceof java.util.concurrent.CompletionException ? t.getCause() : t;
        String m = String.valueOf(c.getMessage());
        return m.toLowerCase(Locale.ROOT).contains("timed out") || c instanceof java.net.SocketTimeoutException ? "timeout"
                : c.getClass().getSimpleName() + ": " + m;
    }
}
