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
import warmwire.session.smtp.SessionTickets;
import warmwire.session.tls.DaneVerifier;
import warmwire.session.tls.TlsEngine;
import warmwire.session.tls.TlsResumption;

/**
 * NAME
 *   EndpointWalker - delivers one envelope to the first endpoint that works.
 * DESCRIPTION
 *   Endpoints are tried in the order given (routing's MX order). Connection refused or timed
 *   out, a greeting or EHLO refusal, STARTTLS not offered or refused when TLS is mandatory,
 *   a failed TLS handshake or certificate check: the endpoint is given up (with QUIT when the
 *   server is still talking) and the next is tried. Once a session is READY the transaction
 *   runs there and its result is final for this attempt, whatever it is: a failure after MAIL
 *   never moves to another endpoint. {@link #open} is the first half (used by the connection
 *   cache); {@link #deliver} runs one job on a fresh connection and QUITs after the result is
 *   known, without delaying it. The returned futures never fail.
 */
public final class EndpointWalker {
    private final Vertx vertx;
    private final NetClient client;
    private final SmtpSettings settings;
    private final PeerVerifier verifier;
    private final ConnectionEvents events;
    private final SessionTickets tickets;

    public EndpointWalker(Vertx vertx, NetClient client, SmtpSettings settings, PeerVerifier verifier) {
        this(vertx, client, settings, verifier, ConnectionEvents.NONE);
    }

    /** @param events told of every TCP connection, TLS handshake and held session (metrics) */
    public EndpointWalker(Vertx vertx, NetClient client, SmtpSettings settings, PeerVerifier verifier,
                          ConnectionEvents events) {
        this(vertx, client, settings, verifier, events, SessionTickets.NONE);
    }

    /** @param tickets the shared TLS session store used around STARTTLS ({@link SessionTickets#NONE}: none) */
    public EndpointWalker(Vertx vertx, NetClient client, SmtpSettings settings, PeerVerifier verifier,
                          ConnectionEvents events, SessionTickets tickets) {
        this.tickets = tickets == null ? SessionTickets.NONE : tickets;
        this.vertx = vertx;
        this.client = client;
        this.settings = settings;
        this.verifier = verifier;
        this.events = events == null ? ConnectionEvents.NONE : events;
    }

    /**
     * The NetClient sessions need: clear text at first (STARTTLS upgrades), connect timeout, any
     * certificate accepted at handshake, the TLS engine of {@code warmwire.tls.engine}
     * ({@link TlsEngine#configured}).
     */
    public static NetClient createClient(Vertx vertx, SmtpSettings settings) {
        return createClient(vertx, settings, TlsEngine.configured());
    }

    /** As above with this TLS engine ({@code openssl} falls back to {@code jdk} where it cannot load). */
    public static NetClient createClient(Vertx vertx, SmtpSettings settings, TlsEngine engine) {
        return createClient(vertx, settings, engine, null);
    }

    /** As above; a {@code conscrypt} engine takes its sessions from {@code caches} (the ticket store) when not null. */
    public static NetClient createClient(Vertx vertx, SmtpSettings settings, TlsEngine engine,
                                         warmwire.session.tls.ConscryptTls.Caches caches) {
        engine.inUse(); // says once which engine runs, or why not the one asked for
        return vertx.createNetClient(clientOptions(settings, engine, caches));
    }

    /** The options of {@link #createClient}; the engine actually used is {@code engine.usable()}. */
    public static NetClientOptions clientOptions(SmtpSettings settings, TlsEngine engine) {
        return clientOptions(settings, engine, null);
    }

    /** As above, with the ticket store's caches for {@code conscrypt}. */
    public static NetClientOptions clientOptions(SmtpSettings settings, TlsEngine engine,
                                                 warmwire.session.tls.ConscryptTls.Caches caches) {
        return new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeouts().millis(SmtpState.CONNECT)))
                .setSsl(false)
                .setTrustAll(true)
                .setHostnameVerificationAlgorithm("")
                .setSslEngineOptions(engine.usable().options(caches))
                .setSslHandshakeTimeout(settings.timeouts().millis(SmtpState.TLS_HANDSHAKE))
                .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setTcpNoDelay(true)
                .setReconnectAttempts(0);
    }

    /**
     * A READY session on the first endpoint that works, or why none did: {@code session} is
     * null when every endpoint failed, then {@code failure} is the last endpoint's error and
     * {@code answered} the last endpoint that had a TCP connection (null if none).
     * {@code connectNanos} covers every endpoint tried.
     */
    public record Opened(SmtpSession session, Endpoint endpoint, Endpoint answered, SmtpFailure failure, long connectNanos) {
    }

    /** Opens a session on the first endpoint that gets to READY; never fails. */
    public Future<Opened> open(List<Endpoint> endpoints, TlsLevel level) {
        return open(null, endpoints, level);
    }

    /**
     * As above for the site whose shard key is {@code site} (contracts Site.shardKey; null:
     * none): the ticket store notes which of its keys the shard uses, for the shard's next owner
     * ({@link SessionTickets#forSite}).
     */
    public Future<Opened> open(String site, List<Endpoint> endpoints, TlsLevel level) {
        Promise<Opened> p = Promise.promise();
        tryEndpoint(endpoints, 0, level, site == null ? tickets : tickets.forSite(site), System.nanoTime(), null, null, p);
        return p.future();
    }

    /** One job on a fresh connection, QUIT afterwards (no cache); the future never fails. */
    public Future<DeliveryAttempt> deliver(List<Endpoint> endpoints, TlsLevel level, Envelope envelope) {
        return deliver(null, endpoints, level, envelope);
    }

    /** As above for the site of shard key {@code site} (null: none). */
    public Future<DeliveryAttempt> deliver(String site, List<Endpoint> endpoints, TlsLevel level, Envelope envelope) {
        return open(site, endpoints, level).compose(o -> {
            if (o.session() == null) {
                return Future.succeededFuture(new DeliveryAttempt(o.answered(), List.of(), o.failure(), null, 0,
                        o.connectNanos(), 0));
            }
            SmtpSession s = o.session();
            TlsDetails tls = s.tls();
            return JobTransactions.run(s, envelope, false, Integer.MAX_VALUE).map(r -> {
                events.reused(Math.max(0, r.parts().size() - 1)); // the job's further transactions
                s.quit();
                return new DeliveryAttempt(o.endpoint(), r.parts(), r.failure(), tls, r.firstUse(), o.connectNanos(),
                        r.transmitNanos());
            });
        });
    }

    private void tryEndpoint(List<Endpoint> endpoints, int i, TlsLevel level, SessionTickets tickets, long start,
                             Endpoint answered, SmtpFailure last, Promise<Opened> p) {
        if (i >= endpoints.size()) {
            SmtpFailure f = last != null ? last : new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                    "no endpoint to deliver to");
            p.complete(new Opened(null, null, answered, f, System.nanoTime() - start));
            return;
        }
        Endpoint ep = endpoints.get(i);
        TlsLevel epLevel = level;
        PeerVerifier epVerifier = verifier;
        if (level.dane()) {
            // RFC 7672 2.2: usable TLSA records -> TLS verified by them; only unusable ones ->
            // TLS unauthenticated; none (routing found a secure denial) -> dane: may, dane-only:
            // refused by the verifier (routing never sends such an endpoint)
            DaneVerifier dane = DaneVerifier.of(ep.tlsa());
            if (ep.tlsa().isEmpty() && level == TlsLevel.DANE) {
                epLevel = TlsLevel.MAY;
            } else if (!ep.tlsa().isEmpty() && !dane.usable()) {
                epLevel = TlsLevel.ENCRYPT;
            } else {
                epVerifier = dane;
            }
        }
        if (level == TlsLevel.SECURE) {
            epVerifier = verifier.matching(ep.match()); // the recipient domain's names, not the MX host
        }
        SmtpSession s = new SmtpSession(vertx, client, settings, ep, epLevel, epVerifier, tickets, TlsResumption.INSPECTOR);
        s.open().onComplete(opened -> {
            if (s.tls() != null) {
                events.handshake(s.tls().resumed());
            }
            if (opened.failed()) {
                SmtpFailure f = opened.cause() instanceof SmtpFailure sf ? sf
                        : new SmtpFailure(SmtpFailure.Kind.PROTOCOL, s.state(), null, String.valueOf(opened.cause()));
                if (f.connected()) {
                    events.opened();
                }
                s.quit(); // QUIT when the server still talks, else just close
                tryEndpoint(endpoints, i + 1, level, tickets, start, f.connected() ? ep : null, f, p);
                return;
            }
            events.opened();
            events.held();
            s.onClosed(events::released);
            p.complete(new Opened(s, ep, ep, null, System.nanoTime() - start));
        });
    }

    public SmtpSettings settings() {
        return settings;
    }

    /**
     * This walker for connections from {@code source}: {@code client} binds the source's address,
     * its HELO name (else this walker's) is sent, and the source is part of every TLS session
     * store key ({@link SessionTickets#forSource}).
     */
    public EndpointWalker from(Source source, NetClient client) {
        String helo = source.heloOr(settings.heloName());
        return new EndpointWalker(vertx, client, new SmtpSettings(helo, settings.timeouts(), settings.limits(),
                settings.chunking()), verifier, events, tickets.forSource(source.name(), helo));
    }

    /** Where this walker reports its connections; the connection cache reports reuse there too. */
    public ConnectionEvents events() {
        return events;
    }
}
