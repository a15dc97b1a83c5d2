package warmwire.delivery.dane;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.HostNames;
import warmwire.contracts.tlsrpt.TlsPolicyRef;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.mx.DnsTemporaryFailure;
import warmwire.delivery.mx.Route;

/**
 * NAME
 *   Dane - a mail domain's route under DANE (RFC 7672 section 2), for the levels dane and dane-only.
 * DESCRIPTION
 *   Takes the route DNS gave (mx.MxResolver: hosts, addresses, limits, address policy) and
 *   checks it against DNSSEC-validated lookups ({@link DnssecLookup}):
 *     1. the domain's MX records, validated. Insecure (unsigned zone): no DANE; dane leaves
 *        the route as it is (the site runs at may), dane-only defers. A lookup failure or a
 *        bogus answer defers, for both levels: an attacker must not turn DANE off by breaking
 *        signatures. Secure: only the route's hosts that the validated MX set names stay (a
 *        host only an unvalidated answer named is dropped); no MX records at all (secure
 *        NODATA) means the domain itself, as RFC 5321 says.
 *     2. for each host, the TLSA records at {@code _<port>._tcp.<host>}, validated. Secure
 *        records: the host's endpoints carry them, and tls-session-service verifies the
 *        server's certificate by them; a host with more than RecordLimits.MAX_TLSA records, or
 *        one longer than RecordLimits.MAX_TLSA_TEXT, is dropped as for a failed lookup (never
 *        run with part of its records). Secure denial, or an insecure zone: the host has no
 *        TLSA records (dane: may for that host; dane-only: the host is dropped). A failed or
 *        bogus TLSA lookup drops the host (RFC 7672 2.2: never delivered to without its
 *        records); when no host is left the recipients are deferred.
 *   The MX host's addresses are not validated (the route's A/AAAA answers are used): a spoofed
 *   address leads to a server that cannot match the TLSA records, a deferral, not a downgrade.
 *   A destination with TLSA records for some host is marked {@link PolicySource#DANE}: it wins
 *   over MTA-STS (RFC 8461 section 2), and carries the TLSA records for the domain's TLS
 *   report. Deferrals are 4.7.5 for validation and policy (a bogus answer also goes into the
 *   report as dnssec-invalid), 4.4.3 when DNS failed.
 */
public final class Dane {
    private final DnssecLookup dns;

    public Dane(DnssecLookup dns) {
        this.dns = dns;
    }

    /** The route of {@code domain} at {@code level} (dane or dane-only); never fails. */
    public Uni<Route> apply(String domain, TlsLevel level, Route route) {
        if (!(route instanceof Route.Destination d)) {
            return Uni.createFrom().item(route);
        }
        String name = HostNames.normalise(domain);
        return dns.query(name, Type.MX).onItemOrFailure().transformToUni((mx, failure) -> {
            if (failure != null) {
                return Uni.createFrom().item(lookupFailed(name, "MX", failure));
            }
            if (!mx.secure()) {
                return Uni.createFrom().item(level == TlsLevel.DANE_ONLY
                        ? defer("4.7.5", "MX records of " + name + " are not DNSSEC-signed (level dane-only)") : route);
            }
            Set<String> validated = new TreeSet<>();
            for (Record r : mx.records()) {
                validated.add(HostNames.normalise(((MXRecord) r).getTarget().toString()));
            }
            if (validated.isEmpty()) {
                validated.add(name); // no MX records: the domain is its own MX (secure NODATA)
            }
            List<String> hosts = d.hosts().stream().filter(validated::contains).toList();
            if (hosts.isEmpty()) {
                return Uni.createFrom().item(defer("4.4.3", "the MX hosts of " + name + " " + d.hosts()
                        + " are not among its DNSSEC-validated MX hosts " + validated));
            }
            List<Uni<HostTlsa>> lookups = hosts.stream().map(h -> tlsa(h, d.port())).toList();
            return Uni.join().all(lookups).andFailFast().map(found -> destination(name, level, d, found));
        });
    }

    /** One host's validated TLSA records; {@code failure} when the lookup failed or was bogus. */
    private record HostTlsa(String host, List<String> records, String failure) {
    }

    private Uni<HostTlsa> tlsa(String host, int port) {
        String owner = "_" + port + "._tcp." + host;
        return dns.query(owner, Type.TLSA).map(a -> {
            if (!a.secure()) {
                return new HostTlsa(host, List.of(), null);
            }
            List<String> out = new ArrayList<>();
            for (Record r : a.records()) {
                String text = presentation((TLSARecord) r);
                if (text.length() > RecordLimits.MAX_TLSA_TEXT || out.size() >= RecordLimits.MAX_TLSA) {
                    // never carry a part of the records: with the rest left out the host could look
                    // as if it had none (may) or only unusable ones (encrypt)
                    return new HostTlsa(host, List.of(), "TLSA records of " + owner + " not usable here: more than "
                            + RecordLimits.MAX_TLSA + " or one longer than " + RecordLimits.MAX_TLSA_TEXT + " characters");
                }
                out.add(text);
            }
            return new HostTlsa(host, out, null);
        }).onFailure().recoverWithItem(t -> new HostTlsa(host, List.of(), "TLSA lookup of " + owner + " failed: "
                + (t instanceof DnsTemporaryFailure f ? f.why() : String.valueOf(t))));
    }

    private static Route destination(String domain, TlsLevel level, Route.Destination d, List<HostTlsa> found) {
        Map<String, List<String>> tlsa = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (HostTlsa h : found) {
            if (h.failure() != null) {
                problems.add(h.failure());
            } else if (!h.records().isEmpty() || level == TlsLevel.DANE) {
                tlsa.put(h.host(), h.records());
            } else {
                problems.add("no DNSSEC-validated TLSA records for " + h.host() + " (level dane-only)");
            }
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Endpoint e : d.endpoints()) {
            List<String> records = tlsa.get(HostNames.normalise(e.host()));
            if (records != null) {
                endpoints.add(e.withTlsa(records));
            }
        }
        if (endpoints.isEmpty()) {
            return defer("4.7.5", "no MX host of " + domain + " can be used under DANE: "
                    + (problems.isEmpty() ? "no address" : String.join("; ", problems)));
        }
        List<String> records = tlsa.values().stream().flatMap(List::stream).distinct().toList();
        if (records.isEmpty()) {
            return new Route.Destination(List.copyOf(tlsa.keySet()), d.port(), endpoints, PolicySource.CONFIG);
        }
        return new Route.Destination(List.copyOf(tlsa.keySet()), d.port(), endpoints, PolicySource.DANE,
                new TlsPolicyRef(domain, TlsPolicyRef.TLSA, records.subList(0, Math.min(records.size(),
                        RecordLimits.MAX_POLICY_LINES))));
    }

    /** RFC 6698 presentation form, lower-case hex. */
    static String presentation(TLSARecord r) {
        return r.getCertificateUsage() + " " + r.getSelector() + " " + r.getMatchingType() + " "
                + HexFormat.of().formatHex(r.getCertificateAssociationData());
    }

    private static Route lookupFailed(String domain, String type, Throwable failure) {
        String why = failure instanceof DnsTemporaryFailure f ? f.why() : String.valueOf(failure);
        String reason = "DNSSEC-validated " + type + " lookup of " + domain + " failed: " + why;
        if (!why.startsWith("DNSSEC validation failed")) {
            return defer("4.4.3", reason);
        }
        TlsPolicyRef ref = new TlsPolicyRef(domain, TlsPolicyRef.TLSA, List.of());
        return new Route.Failure(Status.DEFERRED, "4.7.5", reason,
                TlsResult.of(ref, null, null, TlsResult.DNSSEC_INVALID, reason));
    }

    private static Route.Failure defer(String enhanced, String reason) {
        return new Route.Failure(Status.DEFERRED, enhanced, reason);
    }
}
