package warmwire.session.conn;

import java.util.List;
import java.util.Set;
import warmwire.contracts.route.Endpoint;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   DeliveryAttempt - what trying a job's endpoints came to.
 * DESCRIPTION
 *   {@code relay} is the endpoint that answered last (a TCP connection was made), null when
 *   none did. {@code parts} are the mail transactions that ran for the job, in order, on one
 *   connection (more than one when the recipients exceed the per-transaction limit or the
 *   server answered 452 "too many recipients"); empty when no session reached READY, and then
 *   {@code lastFailure} says why the last endpoint failed. A recipient no part decided is
 *   deferred with {@code lastFailure}. {@code tls} describes the session of {@code relay},
 *   null in clear text. {@code connectionUse} is the number of the job's first transaction on
 *   its connection (1 for a fresh one; Postfix's conn_use), 0 when none ran.
 *   Times in nanoseconds: {@code connectNanos} from the first connect (or taking a cached
 *   connection) to READY (failed endpoints included), {@code transmitNanos} from the first
 *   MAIL to the last end-of-data reply. {@code note}: what the attempt changed at its site
 *   (a receiver's request to slow down halved its limits), added to the reasons of the
 *   recipients it left deferred; null for none.
 */
public record DeliveryAttempt(Endpoint relay, List<Part> parts, SmtpFailure lastFailure, TlsDetails tls,
                              int connectionUse, long connectNanos, long transmitNanos, String note) {

    public DeliveryAttempt {
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    /** An attempt that changed nothing at its site. */
    public DeliveryAttempt(Endpoint relay, List<Part> parts, SmtpFailure lastFailure, TlsDetails tls,
                           int connectionUse, long connectNanos, long transmitNanos) {
        this(relay, parts, lastFailure, tls, connectionUse, connectNanos, transmitNanos, null);
    }

    /** One attempt with at most one transaction covering every recipient in job order. */
    public static DeliveryAttempt single(Endpoint relay, TransactionResult result, SmtpFailure lastFailure, TlsDetails tls,
                                         int connectionUse, long connectNanos, long transmitNanos) {
        List<Part> parts = result == null ? List.of() : List.of(Part.all(result));
        return new DeliveryAttempt(relay, parts, lastFailure, tls, connectionUse, connectNanos, transmitNanos);
    }

    /** The first transaction's result, or null. */
    public TransactionResult result() {
        return parts.isEmpty() ? null : parts.get(0).result();
    }

    /**
     * One transaction: {@code positions[k]} is the job position of the transaction's recipient
     * k; {@code carried} are transaction positions answered 452 "too many recipients" and sent
     * again in a later part (their reply here is not final).
     */
    public record Part(int[] positions, TransactionResult result, Set<Integer> carried) {
        public Part {
            carried = carried == null ? Set.of() : Set.copyOf(carried);
        }

        static Part all(TransactionResult r) {
            int[] p = new int[r.recipients()];
            for (int i = 0; i < p.length; i++) {
                p[i] = i;
            }
            return new Part(p, r, Set.of());
        }
    }
}
