package warmwire.session.conn;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.List;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.SmtpFailure;
import warmwire.session.smtp.SmtpSession;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.TlsDetails;
import warmwire.session.smtp.Envelope;

/**
 * NAME
 *   EndpointWalker - delivers one envelope to the first endpoint that works.
 * DESCRIPTION
 *   Endpoints are tried in the order given (routing's MX order). Connection refused or timed
 *   out, a greeting or EHLO refusal, STARTTLS not offered or refused when TLS is mandatory,
 *   a failed TLS handshake or certificate check: the endpoint is given up (with QUIT when the
 *   server is still talking) and the next is tried. Once a session is READY the transaction
 *   runs there and its result is final for this attempt, whatever it is: a failure after MAIL
 *   never moves to another endpoint. QUIT is sent after the result is known and does not
 *   delay it. The returned future never fails.
 */
public final class EndpointWalker {
    private final Vertx vertx;
    private final NetClient client;
    private final SmtpSettings settings;
    private final PeerVerifier verifier;

    public EndpointWalker(Vertx vertx, NetClient client, SmtpSettings settings, PeerVerifier verifier) {
        this.vertx = vertx;
        this.client = client;
        this.settings = settings;
        this.verifier = verifier;
    }

    /** The NetClient sessions need: clear text at first (STARTTLS upgrades), connect timeout, any certificate accepted at handshake. */
    public static NetClient createClient(Vertx vertx, SmtpSettings settings) {
        NetClientOptions o = new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeouts().millis(SmtpState.CONNECT)))
                .setSsl(false)
                .setTrustAll(true)
                .setHostnameVerificationAlgorithm("")
                .setSslHandshakeTimeout(settings.timeouts().millis(SmtpState.TLS_HANDSHAKE))
                .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setTcpNoDelay(true)
                .setReconnectAttempts(0);
        return vertx.createNetClient(o);
    }

    public Future<DeliveryAttempt> deliver(List<Endpoint> endpoints, TlsLevel level, Envelope envelope) {
        Promise<DeliveryAttempt> p = Promise.promise();
        long start = System.nanoTime();
        tryEndpoint(endpoints, 0, level, envelope, start, null, null, p);
        return p.future();
    }

    private void tryEndpoint(List<Endpoint> endpoints, int i, TlsLevel level, Envelope envelope, long start,
                             Endpoint answered, SmtpFailure last, Promise<DeliveryAttempt> p) {
        if (i >= endpoints.size()) {
            SmtpFailure f = last != null ? last : new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "no endpoint to deliver to");
            p.complete(new DeliveryAttempt(answered, null, f, null, 0, System.nanoTime() - start, 0));
            return;
        }
        Endpoint ep = endpoints.get(i);
        SmtpSession s = new SmtpSession(vertx, client, settings, ep, level, verifier);
        s.open().onComplete(opened -> {
            if (opened.failed()) {
                SmtpFailure f = opened.cause() instanceof SmtpFailure sf ? sf
                        : new SmtpFailure(SmtpFailure.Kind.PROTOCOL, s.state(), null, String.valueOf(opened.cause()));
                s.quit(); // QUIT when the server still talks, else just close
                tryEndpoint(endpoints, i + 1, level, envelope, start, f.connected() ? ep : null, f, p);
                return;
            }
            long connected = System.nanoTime();
            TlsDetails tls = s.tls();
            s.send(envelope).onComplete(sent -> {
                long done = System.nanoTime();
                p.complete(new DeliveryAttempt(ep, sent.result(), sent.result().failure(), tls, s.transactions(),
                        connected - start, done - connected));
                s.quit();
            });
        });
    }
}
