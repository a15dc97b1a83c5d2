package warmwire.contracts.check;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.outcome.TlsInfo;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   DeliveryOutcomeCheck - is a record of mail.outcome a delivery outcome.
 * SYNOPSIS
 *   {@code Checked<DeliveryOutcome> c = DeliveryOutcomeCheck.check(value, limits, now);}
 * DESCRIPTION
 *   Pure. Rules: {@code messageId} not blank and bounded; {@code jobId}, {@code site},
 *   {@code relay} bounded when present; {@code results} 1 to {@code limits.maxRecipients()}
 *   entries, none null, each with a recipient, a known status, an enhanced code
 *   ({@code dsn}, class.subject.detail) when present, an SMTP reply with a code 200..599 when
 *   present; reply texts and reasons longer than {@link BoundedText#MAX_REPLY_TEXT} /
 *   {@link BoundedText#MAX_REASON} are cut with {@link BoundedText#truncate}, longer than
 *   {@link RecordLimits#MAX_FIELD} refused; {@code attempt} 0 to
 *   {@link RecordLimits#MAX_ATTEMPT}; {@code connectionUse} not negative; {@code delays} finite,
 *   0 to a year; {@code timestamp} in range; {@code tls} of bounded strings; {@code pending} a
 *   valid queued message ({@link QueuedMessageCheck}) when present; {@code tlsResults} as
 *   {@link TlsResultCheck} judges them.
 */
public final class DeliveryOutcomeCheck {
    private static final String ENHANCED = "[245]\\.\\d{1,3}\\.\\d{1,3}";

    private DeliveryOutcomeCheck() {
    }

    public static Checked<DeliveryOutcome> check(byte[] value, RecordLimits limits, Instant now) {
        return Checks.run(value, now, f -> read(f, limits));
    }

    public static Checked<DeliveryOutcome> check(String value, RecordLimits limits, Instant now) {
        return check(Checks.bytes(value), limits, now);
    }

    private static DeliveryOutcome read(Fields f, RecordLimits limits) {
        String messageId = f.nonBlank("messageId", RecordLimits.MAX_ID);
        String jobId = f.text("jobId", false, RecordLimits.MAX_KEY);
        int attempt = f.integer("attempt", false, 0, 0, RecordLimits.MAX_ATTEMPT);
        String site = f.text("site", false, RecordLimits.MAX_KEY);
        String relay = f.text("relay", false, RecordLimits.MAX_KEY);
        List<RecipientResult> results = new ArrayList<>();
        for (Fields r : f.objects("results", true, 1, limits.maxRecipients())) {
            results.add(result(r));
        }
        Fields t = f.object("tls", false);
        TlsInfo tls = t == null ? null : new TlsInfo(t.text("version", false, RecordLimits.MAX_LABEL),
                t.text("cipher", false, RecordLimits.MAX_LABEL), t.bool("resumed"), t.bool("verified"),
                t.enumValue("level", false, TlsLevel::parse), t.enumValue("policy", false, PolicySource::parse));
        int use = f.integer("connectionUse", false, 0, 0, RecordLimits.MAX_CONNECTION_USE);
        Fields d = f.object("delays", false);
        Delays delays = d == null ? null : new Delays(seconds(d, "queue"), seconds(d, "route"), seconds(d, "connect"),
                seconds(d, "transmit"));
        Instant timestamp = f.instant("timestamp", false);
        Fields p = f.object("pending", false);
        QueuedMessage pending = p == null ? null
                : QueuedMessageCheck.read(p, limits, Checks.base64(p.text("contentBase64", true, Integer.MAX_VALUE)));
        return new DeliveryOutcome(messageId, jobId, attempt, site, relay, results, tls, use, delays, timestamp, pending,
                TlsResultCheck.results(f), f.text("source", false, RecordLimits.MAX_KEY));
    }

    private static double seconds(Fields d, String field) {
        return d.number(field, 0, 0, RecordLimits.MAX_SECONDS);
    }

    private static RecipientResult result(Fields r) {
        String rcpt = r.nonBlank("recipient", RecordLimits.MAX_ADDRESS);
        Status status = r.enumValue("status", true, Status::parse);
        Fields s = r.object("smtp", false);
        SmtpReply smtp = null;
        if (s != null) {
            int code = s.integer("code", true, 0, 200, 599);
            String enhanced = s.text("enhanced", false, 16);
            if (enhanced != null && !enhanced.matches(ENHANCED)) {
                throw s.invalid("enhanced", "not an enhanced status code");
            }
            smtp = new SmtpReply(code, enhanced, s.bounded("text", false, BoundedText.MAX_REPLY_TEXT));
        }
        String dsn = r.text("dsn", false, 16);
        if (dsn != null && !dsn.matches(ENHANCED)) {
            throw r.invalid("dsn", "not an enhanced status code");
        }
        return new RecipientResult(rcpt, status, smtp, dsn, r.bounded("reason", false, BoundedText.MAX_REASON));
    }
}
