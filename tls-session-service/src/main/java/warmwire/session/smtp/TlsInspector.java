package warmwire.session.smtp;

import io.vertx.core.net.NetSocket;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * NAME
 *   TlsInspector - what the SMTP client asks of the TLS layer after a STARTTLS handshake.
 * DESCRIPTION
 *   The engine behind a socket and whether its handshake resumed a session are engine
 *   internals (BoringSSL through Conscrypt or netty-tcnative, or SunJSSE); the tls package
 *   answers for them ({@code tls.TlsResumption.INSPECTOR}), so this package imports nothing of
 *   it. {@link #CREATION_TIME}: the rule that needs no engine (a resumed session keeps the
 *   creation time of the session it resumes; right for SunJSSE only) and no engine to hand to
 *   the ticket store.
 */
public interface TlsInspector {
    /** The TLS engine of {@code socket}, or null (clear text, or not known). */
    SSLEngine engine(NetSocket socket);

    /** Whether the handshake on {@code socket}, begun at {@code handshakeStartedMillis}, resumed a session. */
    boolean resumed(NetSocket socket, SSLSession session, long handshakeStartedMillis);

    TlsInspector CREATION_TIME = new TlsInspector() {
        @Override
        public SSLEngine engine(NetSocket socket) {
            return null;
        }

        @Override
        public boolean resumed(NetSocket socket, SSLSession session, long handshakeStartedMillis) {
            return session != null && session.getCreationTime() < handshakeStartedMillis;
        }
    };
}
