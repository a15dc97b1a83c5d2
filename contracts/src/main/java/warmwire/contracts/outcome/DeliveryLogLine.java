package warmwire.contracts.outcome;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import warmwire.contracts.text.BoundedText;

/**
 * NAME
 *   DeliveryLogLine - one log line per recipient result, in Postfix smtp(8)'s shape.
 * SYNOPSIS
 *   {@code <id>: to=<alice@example.com>, relay=mx1.example.com[192.0.2.1]:25, conn_use=3,
 *   tls=verify/mta-sts, delays=0.01/0/0.02/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Xyz)}
 * DESCRIPTION
 *   Status words are Postfix's: sent, deferred, bounced, expired, rejected. {@code conn_use} is
 *   printed only when the connection carried an earlier delivery, as Postfix does. {@code tls}
 *   is the level the TLS session was opened under and where it came from ({@code config},
 *   {@code mta-sts}); absent for clear text. The dsn is
 *   event's RFC 3463 code (the server's, or Warmwire's own for local failures), else the class
 *   default (2.0.0, 4.0.0, 5.0.0). Delays print with at
 *   most two decimals, trailing zeros dropped.
 *
 *   The id (the client's), the recipient, the relay, the reply text and the reason come from
 *   clients and remote servers: each is cut to a bound ({@link #MAX_FIELD} characters, the reply
 *   text and reason to {@link BoundedText#MAX_REPLY_TEXT}/{@link BoundedText#MAX_REASON}) and its
 *   control characters escaped ({@link BoundedText#escape}), so no party can forge a second log
 *   line or colour an operator's terminal.
 */
public final class DeliveryLogLine {
    /** Most characters of the id, the recipient or the relay in one line. */
    public static final int MAX_FIELD = 512;

    private DeliveryLogLine() {
    }

    /** {@code s} cut to {@code max} characters and escaped for one log line. */
    private static String safe(String s, int max) {
        return BoundedText.escape(BoundedText.truncate(s, max));
    }

    public static String format(DeliveryEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append(safe(e.id(), MAX_FIELD)).append(": to=<")
                .append(e.recipient() == null ? "" : safe(e.recipient(), MAX_FIELD)).append('>');
        if (e.relay() != null) {
            b.append(", relay=").append(safe(e.relay(), MAX_FIELD));
        }
        if (e.source() != null) {
            b.append(", source=").append(safe(e.source(), MAX_FIELD));
        }
        if (e.connectionUse() != null && e.connectionUse() > 1) {
            b.append(", conn_use=").append(e.connectionUse());
        }
        TlsInfo t = e.tls();
        if (t != null && t.level() != null) {
            b.append(", tls=").append(t.level().wireName());
            if (t.policy() != null) {
                b.append('/').append(t.policy().wireName());
            }
        }
        Delays d = e.delays();
        if (d != null) {
            double total = d.queue() + d.route() + d.connect() + d.transmit();
            b.append(", delay=").append(seconds(total)).append(", delays=").append(seconds(d.queue())).append('/')
                    .append(seconds(d.route())).append('/').append(seconds(d.connect())).append('/')
                    .append(seconds(d.transmit()));
        }
        b.append(", dsn=").append(safe(dsn(e), 16)).append(", status=").append(word(e.status())).append(" (");
        SmtpReply r = e.smtp();
        if (e.status() == Status.DELIVERED && r != null) {
            b.append(r.code());
            if (r.enhanced() != null) {
                b.append(' ').append(safe(r.enhanced(), 16));
            }
            b.append(' ').append(safe(r.text(), BoundedText.MAX_REPLY_TEXT));
        } else {
            b.append(e.reason() != null ? safe(e.reason(), BoundedText.MAX_REASON)
                    : r != null ? r.code() + " " + safe(r.text(), BoundedText.MAX_REPLY_TEXT) : "no reason given");
        }
        return b.append(')').toString();
    }

    static String dsn(DeliveryEvent e) {
        return e.dsn() != null ? e.dsn() : RecipientResult.dsnOf(e.status(), e.smtp(), null);
    }

    static String word(Status s) {
        return switch (s) {
            case DELIVERED -> "sent";
            default -> s.wireName();
        };
    }

    /** Seconds as Postfix writes a delay: at most two decimals, trailing zeros dropped, without a Formatter. */
    public static String seconds(double s) {
        if (s < 0.005) {
            return "0";
        }
        if (!Double.isFinite(s)) {
            return String.format(Locale.ROOT, "%.2f", s);
        }
        // as String.format(Locale.ROOT, "%.2f", s) without trailing zeros (the test compares both),
        // without a Formatter and a regex per delay: five of them per log line
        return BigDecimal.valueOf(s).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
