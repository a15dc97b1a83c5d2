package warmwire.contracts.check;

import java.time.Instant;
import java.util.List;
import warmwire.contracts.mail.Dsn;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   QueuedMessageCheck - is a record of mail.route or of a retry tier a queued message.
 * SYNOPSIS
 *   {@code Checked<QueuedMessage> c = QueuedMessageCheck.check(value, limits, now);}
 * DESCRIPTION
 *   Pure. Rules: {@code id} not blank, at most {@link RecordLimits#MAX_ID}; {@code from} present
 *   ("" is the null sender), an address of at most {@link RecordLimits#MAX_ADDRESS};
 *   {@code recipients} 1 to {@code limits.maxRecipients()} addresses, none null or blank;
 *   a body: after the envelope of a {@link warmwire.contracts.mail.MailFrame}, or base64 in
 *   {@code contentBase64} of the older JSON form; {@code tls} a known level when present; {@code attempt}
 *   1 to {@link RecordLimits#MAX_ATTEMPT}; {@code submittedAt} and {@code notBefore} times in
 *   range when present (a notBefore more than a year ahead is refused: it would hold its
 *   record's place for ever); {@code dsn} a DSN request of bounded parts. Unknown fields are
 *   ignored.
 */
public final class QueuedMessageCheck {
    private QueuedMessageCheck() {
    }

    public static Checked<QueuedMessage> check(byte[] value, RecordLimits limits, Instant now) {
        return Checks.runMessage(value, now, (f, body) -> read(f, limits, body));
    }

    public static Checked<QueuedMessage> check(String value, RecordLimits limits, Instant now) {
        return check(Checks.bytes(value), limits, now);
    }

    static QueuedMessage read(Fields f, RecordLimits limits, byte[] content) {
        String id = f.nonBlank("id", RecordLimits.MAX_ID);
        String from = f.text("from", true, RecordLimits.MAX_ADDRESS);
        List<String> rcpts = f.texts("recipients", true, 1, limits.maxRecipients(), RecordLimits.MAX_ADDRESS);
        TlsLevel tls = f.enumValue("tls", false, TlsLevel::parse);
        String tenant = f.text("tenant", false, RecordLimits.MAX_LABEL);
        String campaign = f.text("campaign", false, RecordLimits.MAX_LABEL);
        Dsn dsn = dsn(f.object("dsn", false));
        int attempt = f.integer("attempt", true, 0, 1, RecordLimits.MAX_ATTEMPT);
        Instant submitted = f.instant("submittedAt", false);
        Instant notBefore = f.instant("notBefore", false);
        boolean notified = f.bool("delayNotified");
        return new QueuedMessage(id, from, rcpts, content, tls, tenant, campaign, dsn, attempt, submitted, notBefore,
                notified, f.bool("requireTls"), f.bool("signed"));
    }

    private static Dsn dsn(Fields d) {
        if (d == null) {
            return null;
        }
        List<String> notify = d.texts("notify", false, 0, RecordLimits.MAX_NOTIFY, 16);
        return new Dsn(notify, d.text("ret", false, 16), d.text("envid", false, RecordLimits.MAX_LABEL));
    }
}
