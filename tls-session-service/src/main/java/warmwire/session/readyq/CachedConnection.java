package warmwire.session.readyq;

import warmwire.contracts.route.Endpoint;
import warmwire.session.conn.CacheKey;
import warmwire.session.smtp.SmtpSession;

/**
 * NAME
 *   CachedConnection - one live SMTP session owned by a {@link SiteQueue}.
 * DESCRIPTION
 *   The session, its {@link CacheKey}, the endpoint, when it was opened and, while idle, its
 *   idle timer. Touched only on the site's event loop.
 */
final class CachedConnection {
    final SmtpSession session;
    final CacheKey key;
    final Endpoint endpoint;
    final long openedNanos;
    long idleTimer = -1;
    boolean idle;
    boolean closed;

    CachedConnection(SmtpSession session, CacheKey key, Endpoint endpoint, long openedNanos) {
        this.session = session;
        this.key = key;
        this.endpoint = endpoint;
        this.openedNanos = openedNanos;
    }

    long ageNanos(long now) {
        return now - openedNanos;
    }
}
