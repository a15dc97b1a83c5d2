package warmwire.session.conn;

import warmwire.contracts.route.Endpoint;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.TransactionResult;

/**
 * NAME
 *   DeliveryAttempt - what trying a job's endpoints came to.
 * DESCRIPTION
 *   {@code relay} is the endpoint that answered last (a TCP connection was made), null when
 *   none did. {@code result} is the transaction's result when a session reached READY, else
 *   null and {@code lastFailure} says why the last endpoint failed. {@code tls} describes the
 *   session of {@code relay}, null in clear text. {@code connectionUse} is the transaction's
 *   number on its connection (1 for a fresh one), 0 when no transaction ran.
 *   Times in nanoseconds: {@code connectNanos} from the first connect to READY (failed
 *   endpoints included), {@code transmitNanos} from MAIL to the end-of-data reply.
 */
public record DeliveryAttempt(Endpoint relay, TransactionResult result, SmtpFailure lastFailure, TlsDetails tls,
                              int connectionUse, long connectNanos, long transmitNanos) {
}
