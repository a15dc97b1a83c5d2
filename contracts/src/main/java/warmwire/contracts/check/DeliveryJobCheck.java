package warmwire.contracts.check;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;

/**
 * NAME
 *   DeliveryJobCheck - is a record of mail.deliver a delivery job.
 * SYNOPSIS
 *   {@code Checked<DeliveryJob> c = DeliveryJobCheck.check(value, limits, now);}
 * DESCRIPTION
 *   Pure; judged before the job takes an in-flight slot or reaches a site queue. Rules:
 *   {@code jobId} and {@code messageId} not blank and bounded; {@code site} with 1 to
 *   {@link RecordLimits#MAX_ENDPOINTS} host names, a port 1..65535, a known TLS level and, if
 *   given, a known policy source;
 *   {@code endpoints} 1 to {@link RecordLimits#MAX_ENDPOINTS}, none null, each with a host
 *   name, an IP address literal (digits, hex, '.', ':' only: never a name to resolve), a port
 *   1..65535, a preference 0..65535 and at most {@link RecordLimits#MAX_TLSA} TLSA records
 *   ({@code usage selector matching-type hex}, usage 0..3, selector 0..1, type 0..2) and at most
 *   {@link RecordLimits#MAX_MATCH} names to match (the site's too: host names or {@code .domain}); {@code from}, {@code recipients}, a body (framed, or {@code contentBase64}),
 *   {@code attempt}, {@code tenant}, {@code campaign}, {@code dsn}, {@code delayNotified}, {@code requireTls}, {@code signed} as
 *   {@link QueuedMessageCheck} judges them; {@code tls} a known level; {@code submittedAt} and
 *   {@code routedAt} times in range; {@code routeSeconds} 0 to a year.
 */
public final class DeliveryJobCheck {
    /** RFC 6698 presentation form, as routing writes it: one-digit fields, lower-case hex of even length. */
    private static final java.util.regex.Pattern MATCH = java.util.regex.Pattern.compile(
            "\\.?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*");
    /** An IP address literal's characters (digits, hex, '.', ':'): never a name to resolve. */
    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("[0-9A-Fa-f.:]+");
    private static final java.util.regex.Pattern TLSA = java.util.regex.Pattern.compile("[0-3] [01] [0-2] ([0-9a-f]{2})+");

    private DeliveryJobCheck() {
    }

    public static Checked<DeliveryJob> check(byte[] value, RecordLimits limits, Instant now) {
        return Checks.runMessage(value, now, (f, body) -> read(f, limits, body));
    }

    public static Checked<DeliveryJob> check(String value, RecordLimits limits, Instant now) {
        return check(Checks.bytes(value), limits, now);
    }

    private static DeliveryJob read(Fields f, RecordLimits limits, byte[] content) {
        String jobId = f.nonBlank("jobId", RecordLimits.MAX_KEY);
        String messageId = f.nonBlank("messageId", RecordLimits.MAX_ID);
        Site site = site(f.object("site", true));
        List<Endpoint> endpoints = new ArrayList<>();
        for (Fields e : f.objects("endpoints", true, 1, RecordLimits.MAX_ENDPOINTS)) {
            endpoints.add(endpoint(e));
        }
        String from = f.text("from", true, RecordLimits.MAX_ADDRESS);
        List<String> rcpts = f.texts("recipients", true, 1, limits.maxRecipients(), RecordLimits.MAX_ADDRESS);
        TlsLevel tls = f.enumValue("tls", true, TlsLevel::parse);
        int attempt = f.integer("attempt", true, 0, 1, RecordLimits.MAX_ATTEMPT);
        Instant submitted = f.instant("submittedAt", false);
        Instant routed = f.instant("routedAt", false);
        double routeSeconds = f.number("routeSeconds", 0, 0, RecordLimits.MAX_SECONDS);
        String tenant = f.text("tenant", false, RecordLimits.MAX_LABEL);
        String campaign = f.text("campaign", false, RecordLimits.MAX_LABEL);
        Fields d = f.object("dsn", false);
        Dsn dsn = d == null ? null : new Dsn(d.texts("notify", false, 0, RecordLimits.MAX_NOTIFY, 16),
                d.text("ret", false, 16), d.text("envid", false, RecordLimits.MAX_LABEL));
        boolean notified = f.bool("delayNotified");
        return new DeliveryJob(jobId, messageId, site, endpoints, from, rcpts, content, tls, attempt, submitted, routed,
                routeSeconds, tenant, campaign, dsn, notified, f.bool("requireTls"), TlsResultCheck.refs(f),
                f.enumValue("messageTls", false, TlsLevel::parse), f.bool("signed"));
    }


    private static Site site(Fields s) {
        List<String> hosts = s.texts("hosts", true, 1, RecordLimits.MAX_ENDPOINTS, RecordLimits.MAX_HOST);
        int port = s.integer("port", true, 0, 1, 65535);
        TlsLevel tls = s.enumValue("tls", true, TlsLevel::parse);
        PolicySource policy = s.enumValue("policy", false, PolicySource::parse);
        String provider = s.text("provider", false, 63);
        if (provider != null && !Site.isProviderName(provider)) {
            throw s.invalid("provider", "not a provider name (lower-case letters, digits, '-')");
        }
        return new Site(hosts, port, tls, policy, names(s), provider);
    }

    private static Endpoint endpoint(Fields e) {
        String host = e.nonBlank("host", RecordLimits.MAX_HOST);
        String address = e.nonBlank("address", 45);
        if (!ADDRESS.matcher(address).matches()) {
            throw e.invalid("address", "not an IP address literal");
        }
        int port = e.integer("port", true, 0, 1, 65535);
        int preference = e.integer("preference", false, 0, 0, 65535);
        List<String> tlsa = e.texts("tlsa", false, 0, RecordLimits.MAX_TLSA, RecordLimits.MAX_TLSA_TEXT);
        for (String t : tlsa == null ? List.<String>of() : tlsa) {
            if (!TLSA.matcher(t).matches()) {
                throw e.invalid("tlsa", "not a TLSA record 'usage selector matching-type hex'");
            }
        }
        return new Endpoint(host, address, port, preference, tlsa, names(e));
    }

    /** The names a secure site's certificate must match: host names, or a host name after a dot. */
    private static List<String> names(Fields f) {
        List<String> names = f.texts("match", false, 0, RecordLimits.MAX_MATCH, RecordLimits.MAX_HOST);
        for (String n : names == null ? List.<String>of() : names) {
            if (!MATCH.matcher(n).matches()) {
                throw f.invalid("match", "not a host name or .domain: " + n);
            }
        }
        return names;
    }
}
