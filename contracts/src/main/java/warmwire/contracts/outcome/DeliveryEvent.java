package warmwire.contracts.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import warmwire.contracts.classify.ReplyClass;
import warmwire.contracts.classify.ReplyRules;

/**
 * A record on {@code mail.events} (public contract, DESIGN.md "Events"), key = message id: one
 * per recipient per state change.
 *
 * @param smtp   the reply of the server that decided it; absent when no server spoke
 * @param dsn    RFC 3463 enhanced status code (see {@link RecipientResult#dsn()})
 * @param reason only for rejected, bounced, deferred, expired and deleted recipients
 * @param nextAttemptAt only for deferred recipients: when the next attempt is due
 * @param replyClass    {@code "class"} on the wire, for every recipient not delivered: what the
 *                      refusal or failure was about ({@link ReplyClass}, from {@link
 *                      warmwire.contracts.classify.ReplyRules})
 * @param source        the egress source the attempt was sent from, {@code name[address]};
 *                      absent when the system chose the address (no pools configured)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                            SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                            Instant timestamp, String reason, Instant nextAttemptAt,
                            @JsonProperty("class") ReplyClass replyClass, String source) {

    /** An event without an egress source. */
    public DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                         SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                         Instant timestamp, String reason, Instant nextAttemptAt, ReplyClass replyClass) {
        this(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays, timestamp, reason,
                nextAttemptAt, replyClass, null);
    }

    /** An event without its class (delivered, or classified later with {@link #classified}). */
    public DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                         SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                         Instant timestamp, String reason, Instant nextAttemptAt) {
        this(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays, timestamp, reason,
                nextAttemptAt, null);
    }

    /** An event without a next attempt time. */
    public DeliveryEvent(String id, String recipient, Status status, int attempt, String site, String relay,
                         SmtpReply smtp, String dsn, TlsInfo tls, Integer connectionUse, Delays delays,
                         Instant timestamp, String reason) {
        this(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays, timestamp, reason, null);
    }

    /** The same event with its next attempt time. */
    public DeliveryEvent withNextAttempt(Instant at) {
        return new DeliveryEvent(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays,
                timestamp, reason, at, replyClass, source);
    }

    /**
     * The same event with its class by {@code rules}: from the enhanced code and the words of the
     * server's reply when a server spoke, else from the code alone. Warmwire's own reasons are
     * not read: they name hosts and sites (chosen by remote parties: a host "throttle.example"
     * must not read as a throttle) and say what Warmwire did about a reply; where no server
     * spoke, the code says what failed (4.4.1 no connection, 5.1.2 no such domain, 4.7.5 TLS...).
     * A delivered event has none.
     */
    public DeliveryEvent classified(ReplyRules rules) {
        if (status == Status.DELIVERED) {
            return this;
        }
        String text = smtp != null && smtp.text() != null ? smtp.code() + " " + smtp.text() : "";
        return new DeliveryEvent(id, recipient, status, attempt, site, relay, smtp, dsn, tls, connectionUse, delays,
                timestamp, reason, nextAttemptAt, rules.classify(dsn, text), source);
    }

    /**
     * One event per recipient result of an outcome, in its order; a recipient not delivered gets
     * its class by {@code rules}. The one rule for both publishers of events: queue-service for
     * the outcomes it reads, tls-session-service for first attempts delivered to every recipient.
     */
    public static java.util.List<DeliveryEvent> ofOutcome(DeliveryOutcome o, ReplyRules rules) {
        java.util.List<DeliveryEvent> out = new java.util.ArrayList<>(o.results().size());
        for (RecipientResult r : o.results()) {
            out.add(new DeliveryEvent(o.messageId(), r.recipient(), r.status(), o.attempt(), o.site(), o.relay(),
                    r.smtp(), r.dsn() != null ? r.dsn() : RecipientResult.dsnOf(r.status(), r.smtp(), null), o.tls(),
                    o.connectionUse(), o.delays(), o.timestamp(), r.status() == Status.DELIVERED ? null : r.reason(),
                    null, null, o.source()).classified(rules));
        }
        return out;
    }
}
