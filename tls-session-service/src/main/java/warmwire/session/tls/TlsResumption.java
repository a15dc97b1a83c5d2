package warmwire.session.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import warmwire.session.smtp.TlsInspector;

/**
 * NAME
 *   TlsResumption - did this STARTTLS handshake resume an earlier session?
 * DESCRIPTION
 *   OpenSSL engine: BoringSSL's own answer (SSL_session_reused), read on the socket's event
 *   loop right after the handshake while the engine is alive. JDK engine: SunJSSE has no API
 *   for it, but a resumed session (TLS 1.2 session id or ticket, TLS 1.3 PSK) keeps the
 *   creation time of the session it resumes, while a full handshake creates its session after
 *   the handshake began (checked against Postfix smtpd's "Reusing old session" log line).
 *   The creation-time rule is not used for OpenSSL: there it has one-second resolution, so
 *   a full handshake would usually look resumed.
 */
public final class TlsResumption {
    /** These answers for the SMTP client ({@link warmwire.session.smtp.SmtpSession}). */
    public static final TlsInspector INSPECTOR = new TlsInspector() {
        @Override
        public SSLEngine engine(NetSocket socket) {
            return TlsResumption.engine(socket);
        }

        @Override
        public boolean resumed(NetSocket socket, SSLSession session, long handshakeStartedMillis) {
            return TlsResumption.resumed(socket, session, handshakeStartedMillis);
        }
    };

    private TlsResumption() {
    }

    /** Whether the handshake on {@code socket} (begun at {@code handshakeStartedMillis}) resumed a session. */
    public static boolean resumed(NetSocket socket, SSLSession session, long handshakeStartedMillis) {
        SSLEngine engine = engine(socket);
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            long ssl = openssl.sslPointer();
            return ssl != 0 && SSL.isSessionReused(ssl);
        }
        if (engine != null && org.conscrypt.Conscrypt.isConscrypt(engine)) {
            return ConscryptTls.resumed(engine); // BoringSSL's answer, as for OpenSSL
        }
        return byCreationTime(session, handshakeStartedMillis);
    }

    /** The JDK rule: a resumed session is older than the handshake ({@link TlsInspector#CREATION_TIME}). */
    public static boolean byCreationTime(SSLSession session, long handshakeStartedMillis) {
        return TlsInspector.CREATION_TIME.resumed(null, session, handshakeStartedMillis);
    }

    /**
     * The engine of the socket's SslHandler, or null (clear text, or not a Netty-backed socket).
     * Vert.x 4.5's public NetSocket gives the SSLSession only, and whether a handshake resumed
     * is the engine's answer (BoringSSL's SSL_session_reused): NetSocketInternal's channel
     * pipeline is the one way to it, so this is the one Vert.x internal API the module uses.
     */
    public static SSLEngine engine(NetSocket socket) {
        if (socket instanceof NetSocketInternal s) {
            SslHandler h = s.channelHandlerContext().pipeline().get(SslHandler.class);
            return h == null ? null : h.engine();
        }
        return null;
    }
}
