package warmwire.session.conn;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import warmwire.session.smtp.Envelope;
import warmwire.session.smtp.Reply;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   JobTransactions - runs one job's envelope as one or more transactions on a READY session.
 * DESCRIPTION
 *   At most {@code recipientsPerTransaction} RCPT TO per transaction. A recipient answered
 *   452 "too many recipients" (RFC 5321 section 4.5.3.1.10: 452, enhanced code 4.5.3 or none,
 *   or the words "too many recipients") in a transaction that accepted at least one other is
 *   carried to the next transaction on the same connection, never deferred for it; in a
 *   transaction that accepted nobody the 452 stands (deferred).
 *   On a reused connection the first transaction starts with RSET ({@link SmtpSession#send(Envelope, boolean)}).
 *
 *   A session the server has ended is ended. When {@code mayResume}, a transaction ended by
 *   the server - a 421 to any command, or a 4xx to MAIL FROM on a connection that has carried
 *   a transaction before (a server's per-session limit: OpenSMTPD's max-mails answers
 *   "452 4.5.3 Too many messages sent"; a 4xx to MAIL on a fresh connection is about the
 *   message and stands) - decides nothing for the recipients it had not finished: they and
 *   those not sent yet come back in {@link Result#resume()}, for the caller to run on a fresh
 *   connection at once, without a deferral. What the server did decide stays decided (a RCPT
 *   550 stays bounced). {@link Result#sessionLimit()} is then the number of transactions the
 *   connection carried before its MAIL was refused (0 for a 421), for the site to learn.
 *   When the reused connection ends before this job decided anything (RSET refused, EOF,
 *   timeout before the MAIL reply), the result is {@code stale}: every recipient resumes,
 *   whether or not {@code mayResume}.
 */
public final class JobTransactions {

    /**
     * What ran: the parts, whether the reused connection was stale, the failure that ended it,
     * the use number of the first transaction, time spent; the job positions to run again on a
     * fresh connection (empty when none) and the server's session limit learnt (0 = none).
     */
    public record Result(List<DeliveryAttempt.Part> parts, boolean stale, SmtpFailure failure, int firstUse,
                         long transmitNanos, int[] resume, int sessionLimit) {
        /** Whether recipients are left for a fresh connection. */
        public boolean resumes() {
            return resume.length > 0;
        }
    }

    private JobTransactions() {
    }

    /** Every recipient of {@code env}; no resuming but after a stale reused connection. */
    public static Future<Result> run(SmtpSession session, Envelope env, boolean reused, int recipientsPerTransaction) {
        return run(session, env, all(env), reused, recipientsPerTransaction, false);
    }

    /** The recipients of {@code env} at {@code positions}, in that order. */
    public static Future<Result> run(SmtpSession session, Envelope env, int[] positions, boolean reused,
                                     int recipientsPerTransaction, boolean mayResume) {
        ArrayDeque<Integer> pending = new ArrayDeque<>();
        for (int i : positions) {
            pending.add(i);
        }
        Promise<Result> p = Promise.promise();
        new Run(session, env, reused, Math.max(1, recipientsPerTransaction), mayResume, pending, p).next();
        return p.future();
    }

    /** Positions 0 .. recipients - 1. */
    public static int[] all(Envelope env) {
        int[] a = new int[env.recipients().size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        return a;
    }

    private static final class Run {
        final SmtpSession session;
        final Envelope env;
        final boolean reused;
        final int max;
        final boolean mayResume;
        final ArrayDeque<Integer> pending;
        final Promise<Result> p;
        final List<DeliveryAttempt.Part> parts = new ArrayList<>();
        final long t0 = System.nanoTime();
        int firstUse;

        Run(SmtpSession session, Envelope env, boolean reused, int max, boolean mayResume, ArrayDeque<Integer> pending,
            Promise<Result> p) {
            this.session = session;
            this.env = env;
            this.reused = reused;
            this.max = max;
            this.mayResume = mayResume;
            this.pending = pending;
            this.p = p;
        }

        void next() {
            int n = Math.min(max, pending.size());
            int[] chunk = new int[n];
            List<String> rcpts = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                chunk[k] = pending.poll();
                rcpts.add(env.recipients().get(chunk[k]));
            }
            boolean first = parts.isEmpty();
            Envelope part = env.withRecipients(rcpts);
            // a connection from the cache is reset before its first transaction for this job
            (first && reused ? session.resetAndSend(part) : session.send(part)).onComplete(ar -> {
                TransactionResult t = ar.result();
                if (first) {
                    firstUse = session.deliveries();
                }
                if (first && reused && stale(t)) {
                    for (int k = n - 1; k >= 0; k--) {
                        pending.addFirst(chunk[k]);
                    }
                    finish(true, t.failure(), 0);
                    return;
                }
                boolean refusedSession = refusedSession(t, session.deliveries());
                if (mayResume && (refusedSession || saw421(t))) {
                    Set<Integer> open = new HashSet<>();
                    for (int k = n - 1; k >= 0; k--) {
                        if (!decided(t, k)) {
                            open.add(k);
                            pending.addFirst(chunk[k]);
                        }
                    }
                    parts.add(new DeliveryAttempt.Part(chunk, t, open));
                    finish(false, t.failure(), refusedSession ? session.deliveries() - 1 : 0);
                    return;
                }
                Set<Integer> carried = new HashSet<>();
                if (t.failure() == null && t.accepted() > 0) {
                    for (int k = n - 1; k >= 0; k--) {
                        if (tooManyRecipients(t.rcpt(k))) {
                            carried.add(k);
                            pending.addFirst(chunk[k]);
                        }
                    }
                }
                parts.add(new DeliveryAttempt.Part(chunk, t, carried));
                if (!pending.isEmpty() && session.usable()) {
                    next();
                    return;
                }
                SmtpFailure f = t.failure() != null ? t.failure() : pending.isEmpty() ? null : session.failure();
                pending.clear(); // the outcome defers what was never sent, with f
                finish(false, f, 0);
            });
        }

        void finish(boolean stale, SmtpFailure f, int sessionLimit) {
            int[] resume = new int[pending.size()];
            int i = 0;
            for (int pos : pending) {
                resume[i++] = pos;
            }
            p.complete(new Result(List.copyOf(parts), stale, f, stale ? 0 : firstUse, System.nanoTime() - t0, resume,
                    sessionLimit));
        }
    }

    /** The reused connection died before anything of this transaction was decided. */
    static boolean stale(TransactionResult t) {
        if (t.mail() == null) {
            return t.failure() != null;
        }
        return t.mail().code() == 421;
    }

    /**
     * A 4xx to MAIL FROM on a connection that carried a transaction before this one
     * ({@code deliveries} counts this one): the server refuses the session, not the message.
     */
    static boolean refusedSession(TransactionResult t, int deliveries) {
        return t.mail() != null && t.mail().transientFailure() && deliveries > 1;
    }

    /** Whether any reply of the transaction was 421 (the server is closing). */
    public static boolean saw421(TransactionResult t) {
        if (is421(t.rset()) || is421(t.mail()) || is421(t.data()) || is421(t.dataDone())) {
            return true;
        }
        for (int i = 0; i < t.recipients(); i++) {
            if (is421(t.rcpt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean is421(Reply r) {
        return r != null && r.code() == 421;
    }

    /**
     * Whether the server decided recipient k of a transaction it then ended: refused at RCPT
     * (not with 421), or accepted and answered at DATA or end of data (not with 421).
     */
    static boolean decided(TransactionResult t, int k) {
        if (t.mail() == null || !t.mail().positive()) {
            return false;
        }
        Reply r = t.rcpt(k);
        if (r == null || r.code() == 421) {
            return false;
        }
        if (!r.positive()) {
            return true;
        }
        Reply data = t.data();
        if (data != null && data.code() >= 400) {
            return data.code() != 421;
        }
        return t.dataDone() != null && t.dataDone().code() != 421;
    }

    static boolean tooManyRecipients(Reply r) {
        if (r == null || r.code() != 452) {
            return false;
        }
        String e = r.enhanced();
        return e == null || e.equals("4.5.3") || r.text().toLowerCase().contains("too many recipients");
    }
}
