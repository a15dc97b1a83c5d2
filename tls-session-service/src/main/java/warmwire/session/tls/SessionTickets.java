package warmwire.session.tls;

import io.vertx.core.Future;
import javax.net.ssl.SSLEngine;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   SessionTickets - what the SMTP client asks of a shared TLS session store around STARTTLS.
 * DESCRIPTION
 *   {@link #prepare} runs before the handshake with (endpoint address, port, SNI name, TLS level): it makes
 *   a stored session of that key ready for the handshake to offer (TLS 1.3 ticket, TLS 1.2
 *   ticket or session id). {@link #collect} runs after the EHLO that follows the handshake (by
 *   then the server's NewSessionTicket messages have been read): the sessions the handshake
 *   produced go to the store. Neither ever fails or blocks an event loop. {@link #NONE}: no
 *   store, the engine's own in-process cache only.
 */
public interface SessionTickets {
    SessionTickets NONE = new SessionTickets() {
        @Override
        public Future<Void> prepare(String address, int port, String sni, TlsLevel level) {
            return Future.succeededFuture();
        }

        @Override
        public void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level) {
        }
    };

    Future<Void> prepare(String address, int port, String sni, TlsLevel level);

    void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level);
}
