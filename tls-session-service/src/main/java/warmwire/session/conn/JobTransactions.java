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
 *   When that first transaction ends before the MAIL reply (RSET refused, EOF, timeout) or
 *   MAIL is answered 421, the result is {@code stale}: nothing was decided, the caller drops
 *   the connection and runs the job on a fresh one.
 */
public final class JobTransactions {

    /** What ran: the parts, whether the reused connection was stale, the failure that ended it, time spent. */
    public record Result(List<DeliveryAttempt.Part> parts, boolean stale, SmtpFailure failure, int firstUse,
                         long transmitNanos) {
    }

    private JobTransactions() {
    }

    public static Future<Result> run(SmtpSession session, Envelope env, boolean reused, int recipientsPerTransaction) {
        ArrayDeque<Integer> pending = new ArrayDeque<>();
        for (int i = 0; i < env.recipients().size(); i++) {
            pending.add(i);
        }
        Promise<Result> p = Promise.promise();
        next(session, env, reused, Math.max(1, recipientsPerTransaction), pending, new ArrayList<>(), 0, System.nanoTime(), p);
        return p.future();
    }

    private static void next(SmtpSession session, Envelope env, boolean reused, int max, ArrayDeque<Integer> pending,
                             List<DeliveryAttempt.Part> parts, int firstUse, long t0, Promise<Result> p) {
        int n = Math.min(max, pending.size());
        int[] chunk = new int[n];
        List<String> rcpts = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            chunk[k] = pending.poll();
            rcpts.add(env.recipients().get(chunk[k]));
        }
        boolean first = parts.isEmpty();
        session.send(new Envelope(env.from(), rcpts, env.content()), first && reused).onComplete(ar -> {
            TransactionResult t = ar.result();
            int use = first ? session.transactions() : firstUse;
            if (first && reused && stale(t)) {
                p.complete(new Result(List.of(), true, t.failure(), 0, System.nanoTime() - t0));
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
                next(session, env, reused, max, pending, parts, use, t0, p);
                return;
            }
            SmtpFailure f = t.failure() != null ? t.failure() : pending.isEmpty() ? null : session.failure();
            p.complete(new Result(parts, false, f, use, System.nanoTime() - t0));
        });
    }

    /** The reused connection died before anything of this transaction was decided. */
    static boolean stale(TransactionResult t) {
        if (t.mail() == null) {
            return t.failure() != null;
        }
        return t.mail().code() == 421;
    }

    static boolean tooManyRecipients(Reply r) {
        if (r == null || r.code() != 452) {
            return false;
        }
        String e = r.enhanced();
        return e == null || e.equals("4.5.3") || r.text().toLowerCase().contains("too many recipients");
    }
}
