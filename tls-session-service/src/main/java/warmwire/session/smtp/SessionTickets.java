package warmwire.session.smtp;

import io.vertx.core.Future;
import javax.net.ssl.SSLEngine;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   SessionTickets - what the SMTP client asks of a shared TLS session store around STARTTLS.
 * DESCRIPTION
 *   {@link #prepare} runs at connect time with (endpoint address, port, SNI name, TLS level):
 *   it takes a stored session of that key out of the store and makes it ready for the
 *   handshake to offer (TLS 1.3 ticket, TLS 1.2 ticket or session id); {@link Prepared#ready()}
 *   completes when it is ready or the store gave up. The session calls
 *   {@link Prepared#done()} once the handshake is over, or when it ends without one (connect
 *   failed, STARTTLS not offered or refused, the session dropped): a prepared session the
 *   handshake did not use goes back to the store, so none is stranded. {@link #collect} runs
 *   after the EHLO that follows the handshake (by then the server's NewSessionTicket messages
 *   have been read): the sessions the handshake produced go to the store. Nothing here ever
 *   fails or blocks an event loop. {@link #NONE}: no store, the engine's own in-process cache
 *   only.
 */
public interface SessionTickets {
    /** One prepared session, for one handshake. */
    interface Prepared {
        Prepared NOTHING = new Prepared() {
            @Override
            public Future<Void> ready() {
                return Future.succeededFuture();
            }

            @Override
            public void done() {
            }
        };

        /** Completes when the session is ready for the handshake, or the store gave up; never fails. */
        Future<Void> ready();

        /** The handshake is over or will not happen: an unused prepared session goes back. Idempotent. */
        void done();
    }

    SessionTickets NONE = new SessionTickets() {
        @Override
        public Prepared prepare(String address, int port, String sni, TlsLevel level) {
            return Prepared.NOTHING;
        }

        @Override
        public void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level) {
        }
    };

    Prepared prepare(String address, int port, String sni, TlsLevel level);

    /**
     * This store as seen by the connections of a site whose shard key is {@code site} (contracts
     * Site.shardKey: the site key, or its provider's): a store that warms a new owner's shard
     * notes which of its keys each shard uses; the default is this store itself.
     */
    default SessionTickets forSite(String site) {
        return this;
    }

    /**
     * This store as seen by the connections from egress source {@code source} with HELO name
     * {@code helo}: both are part of every key (a session of one client identity never serves
     * another); the default is this store itself.
     */
    default SessionTickets forSource(String source, String helo) {
        return this;
    }

    void collect(SSLEngine engine, String address, int port, String sni, TlsLevel level);
}
