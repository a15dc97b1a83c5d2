package warmwire.session.conn;

/**
 * NAME
 *   ConnectionEvents - what the SMTP client tells about its connections (for metrics).
 * DESCRIPTION
 *   Called by {@link EndpointWalker} (opened, handshake, held, released)
 *   and by whoever runs jobs on its sessions (reused), on the connection's event loop: an
 *   implementation must be cheap and never block or throw. {@link #NONE} ignores everything
 *   (tests, the engine without Quarkus). {@code metrics.SessionMetrics} counts them (this layer does not import it).
 */
public interface ConnectionEvents {

    /** Ignores every event. */
    ConnectionEvents NONE = new ConnectionEvents() {
    };

    /** A TCP connection to a remote MTA was made (whether or not its session then got to READY). */
    default void opened() {
    }

    /** A TLS handshake completed; {@code resumed}: it resumed an earlier session. */
    default void handshake(boolean resumed) {
    }

    /** A session got to READY: this instance holds it until {@link #released}. */
    default void held() {
    }

    /** A session that was {@link #held} ended (QUIT, server close, error). */
    default void released() {
    }

    /** {@code transactions} mail transactions ran on a connection that had already carried one. */
    default void reused(int transactions) {
    }
}
