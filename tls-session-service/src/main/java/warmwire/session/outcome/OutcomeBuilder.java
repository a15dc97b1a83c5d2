package warmwire.session.outcome;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.outcome.TlsInfo;
import warmwire.contracts.route.DeliveryJob;
import warmwire.session.conn.DeliveryAttempt;
import warmwire.session.smtp.Reply;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   OutcomeBuilder - the DeliveryOutcome of a job from its {@link DeliveryAttempt}.
 * DESCRIPTION
 *   Per recipient, first decision wins:
 *   no session (every endpoint failed): deferred, reason = the last endpoint's error;
 *   not sent because the server cannot take it (its SIZE limit, no SMTPUTF8): bounced, with
 *   the client's reason and code (5.3.4, 5.6.7), as Postfix does;
 *   MAIL refused: every recipient by the MAIL reply;
 *   RCPT 4xx deferred, 5xx bounced (with the reply);
 *   accepted recipients: by the DATA reply when it was 4xx or 5xx, else by the end-of-data
 *   reply, 2xx delivered, 4xx deferred, 5xx bounced; only an end-of-data reply delivers (a 2xx
 *   to DATA is a protocol error: deferred, no body went);
 *   anything still open when the connection broke: deferred with the failure's message.
 *   An unexpected reply class (3xx where 2xx was due) counts as deferred. Reasons use
 *   Postfix's wording: "host mx[192.0.2.1]:25 said: 550 5.1.1 ... (in reply to RCPT TO command)".
 *   Delays: queue = routedAt - submittedAt - route, route = the job's routeSeconds, connect
 *   and transmit from the attempt; all clamped at zero.
 */
public final class OutcomeBuilder {
    private OutcomeBuilder() {
    }

    public static DeliveryOutcome build(DeliveryJob job, DeliveryAttempt a, Instant now) {
        OutcomeCollector c = new OutcomeCollector(job.recipients());
        String relay = a.relay() == null ? "none" : a.relay().relay();
        if (a.parts().isEmpty()) {
            SmtpFailure f = a.lastFailure();
            Reply r = f == null ? null : f.reply();
            c.markRemaining(Status.DEFERRED, contract(r), f == null ? "4.4.0" : f.enhanced(),
                    f == null ? "delivery not attempted" : f.getMessage());
        } else {
            for (DeliveryAttempt.Part p : a.parts()) {
                mark(c, p, relay);
            }
            SmtpFailure f = a.lastFailure();
            c.markRemaining(Status.DEFERRED, null, f != null ? f.enhanced() : "4.4.2", f != null ? f.getMessage()
                    : "connection to " + relay + " ended before this recipient was sent");
        }
        List<?> unused = c.unmarked();
        if (!unused.isEmpty()) {
            throw new IllegalStateException("recipients left without a result: " + unused);
        }
        TlsDetails d = a.tls();
        TlsInfo tls = d == null ? null : new TlsInfo(d.protocol(), d.cipher(), d.resumed(), d.verified(),
                job.site() == null ? job.tls() : job.site().tls(), job.site() == null ? null : job.site().policy());
        List<RecipientResult> results = c.results();
        if (a.note() != null) { // what the attempt changed at the site, for the recipients it left deferred
            results = results.stream().map(r -> r.status() != Status.DEFERRED ? r : new RecipientResult(r.recipient(),
                    r.status(), r.smtp(), r.dsn(), r.reason() + " (" + a.note() + ")")).toList();
        }
        return new DeliveryOutcome(job.messageId(), job.jobId(), job.attempt(),
                job.site() == null ? null : job.site().key(), relay, results, tls, a.connectionUse(),
                delays(job, a), now).withPending(job.message(job.recipients()))
                .withTlsResults(TlsReporting.results(job, a));
    }

    /** The per-recipient rules over one transaction's replies, every recipient in job order. */
    static void mark(OutcomeCollector c, TransactionResult t, String relay) {
        DeliveryAttempt.Part p = DeliveryAttempt.single(null, t, null, null, 0, 0, 0).parts().get(0);
        mark(c, p, relay);
    }

    /** The per-recipient rules over one transaction's replies; carried recipients stay open. */
    static void mark(OutcomeCollector c, DeliveryAttempt.Part part, String relay) {
        TransactionResult t = part.result();
        int[] pos = part.positions();
        Reply mail = t.mail();
        SmtpFailure f = t.failure();
        for (int k = 0; k < pos.length && k < t.recipients(); k++) {
            int i = pos[k];
            if (c.marked(i) || part.carried().contains(k)) {
                continue;
            }
            if (t.notSent() != null) {
                c.mark(i, Status.BOUNCED, null, t.notSent().enhanced(), t.notSent().reason());
                continue;
            }
            if (mail != null && !mail.positive()) {
                c.mark(i, status(mail), contract(mail), said(relay, mail, "MAIL FROM"));
                continue;
            }
            Reply r = t.rcpt(k);
            if (r == null) {
                c.mark(i, Status.DEFERRED, null, f != null ? f.enhanced() : "4.4.2", f != null ? f.getMessage()
                        : "transaction with " + relay + " ended without a reply for this recipient");
                continue;
            }
            if (!r.positive()) {
                c.mark(i, status(r), contract(r), said(relay, r, "RCPT TO"));
                continue;
            }
            Reply data = t.data();
            if (data != null && data.code() != 354 && data.code() >= 400) {
                c.mark(i, status(data), contract(data), said(relay, data, "DATA"));
                continue;
            }
            if (data != null && data.code() != 354) {
                // a 2xx (or other 3xx) to DATA: no body went, so never delivered (the session
                // reports it as a protocol error)
                c.mark(i, Status.DEFERRED, null, f != null ? f.enhanced() : "4.5.0", f != null ? f.getMessage()
                        : "protocol error with " + relay + ": DATA was answered " + data.code() + " instead of 354");
                continue;
            }
            Reply done = t.dataDone();
            if (done != null) {
                Status s = status(done);
                c.mark(i, s, contract(done), s == Status.DELIVERED ? null : said(relay, done, t.endCommand()));
                continue;
            }
            c.mark(i, Status.DEFERRED, null, f != null ? f.enhanced() : "4.4.2", f != null ? f.getMessage()
                    : "transaction with " + relay + " ended without a reply for this recipient");
        }
    }

    static Status status(Reply r) {
        return switch (r.code() / 100) {
            case 2 -> Status.DELIVERED;
            case 5 -> Status.BOUNCED;
            default -> Status.DEFERRED;
        };
    }

    static SmtpReply contract(Reply r) {
        return r == null ? null : new SmtpReply(r.code(), r.enhanced(), r.text());
    }

    static String said(String relay, Reply r, String command) {
        return "host " + relay + " said: " + r + " (in reply to " + command + " command)";
    }

    static Delays delays(DeliveryJob job, DeliveryAttempt a) {
        double route = Math.max(0, job.routeSeconds());
        double queue = 0;
        if (job.submittedAt() != null && job.routedAt() != null) {
            queue = Math.max(0, Duration.between(job.submittedAt(), job.routedAt()).toNanos() / 1e9 - route);
        }
        return new Delays(queue, route, Math.max(0, a.connectNanos() / 1e9), Math.max(0, a.transmitNanos() / 1e9));
    }

    /** An outcome decided without a server: every recipient gets the same status. */
    public static DeliveryOutcome local(DeliveryJob job, Status status, String reason) {
        OutcomeCollector c = new OutcomeCollector(job.recipients() == null ? List.of() : job.recipients());
        c.markRemaining(status, null, reason);
        return new DeliveryOutcome(job.messageId(), job.jobId(), job.attempt(), job.site() == null ? null : job.site().key(),
                "none", c.results(), null, 0, Delays.NONE, Instant.now())
                .withPending(job.recipients() == null ? null : job.message(job.recipients()));
    }
}
