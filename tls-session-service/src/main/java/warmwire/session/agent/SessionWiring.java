package warmwire.session.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.route.Site;
import warmwire.contracts.shape.Provider;
import warmwire.contracts.shape.Providers;
import warmwire.contracts.text.BoundedText;
import warmwire.session.SessionConfig;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.conn.Source;
import warmwire.session.egress.EgressPools;
import warmwire.session.control.SuspendedSites;
import warmwire.session.metrics.SessionMetrics;
import warmwire.session.ops.DeadSitePublisher;
import warmwire.session.readyq.ConnectionCache;
import warmwire.session.readyq.DeadSites;
import warmwire.session.readyq.HostLoad;
import warmwire.session.readyq.SiteRules;
import warmwire.session.readyq.Throttles;
import warmwire.session.shard.Ownership;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.ReplyLimits;
import warmwire.session.smtp.SessionTickets;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.tls.ConscryptTls;
import warmwire.session.tls.TicketCipher;
import warmwire.session.tls.TicketStore;
import warmwire.session.tls.TlsEngine;
import warmwire.session.tls.TrustFileVerifier;

/**
 * NAME
 *   SessionWiring - the SMTP engine's parts, made from {@link SessionConfig} (CDI producers).
 * DESCRIPTION
 *   The one place where configuration becomes the engine: the SMTP settings (HELO name,
 *   per-state timeouts, reply limits, BDAT), the certificate verifier (the trust file is loaded
 *   at startup: a bad file stops the service with a clear error), the ticket store (README:
 *   TICKET STORE; empty when off), the shared Vert.x NetClient (closed at shutdown), the
 *   endpoint walker, and the connection cache with its dead-site verdicts and each site's
 *   limits (empty with {@code warmwire.session.connection-cache=false}). Each is an application
 *   singleton, made once when {@link DeliveryAgent} (a startup bean) first needs it.
 */
@Singleton
public class SessionWiring {
    private static final Logger LOG = Logger.getLogger(SessionWiring.class);

    /** HELO name, timeouts, reply limits and BDAT from {@code warmwire.smtp.*}. */
    @Produces
    @Singleton
    SmtpSettings smtpSettings(SessionConfig config) {
        SessionConfig.Limits l = config.smtp().limits();
        SmtpSettings s = new SmtpSettings(heloName(config), timeouts(config.smtp().timeouts()),
                new ReplyLimits(l.replyLine(), l.replyLines(), l.replyBytes(), l.unreadBytes()), config.smtp().chunking());
        LOG.infof("SMTP client: helo=%s, tls floor=%s, trust=%s", s.heloName(), config.tls().level().wireName(),
                config.tls().trustFile().orElse("JDK CA store"));
        return s;
    }

    /** The certificate check of {@code verify}: the trust file, else the JDK's CA store. */
    @Produces
    @Singleton
    PeerVerifier verifier(SessionConfig config) {
        return TrustFileVerifier.fromTrustFile(config.tls().trustFile().map(Path::of).orElse(null));
    }

    /**
     * The ticket store (README: TICKET STORE) when {@code warmwire.tls.ticket-store} is on and the
     * engine in use is conscrypt; empty otherwise (the engine's in-process cache only). A missing
     * or malformed {@code warmwire.tls.ticket-key} stops the service at startup.
     */
    @Produces
    @Singleton
    Optional<TicketStore> ticketStore(SessionConfig config, SmtpSettings settings, Instance<RemoteCacheManager> managers,
                                      Ownership ownership, MeterRegistry registry) {
        SessionConfig.Tls t = config.tls();
        if (!t.ticketStore()) {
            return Optional.empty();
        }
        TlsEngine engine = TlsEngine.configured().usable();
        if (engine != TlsEngine.CONSCRYPT) {
            LOG.warnf("TLS ticket store off: it needs the conscrypt engine, and %s runs (sessions stay in this process)",
                    engine.wireName());
            return Optional.empty();
        }
        ConscryptTls.check();
        TicketCipher cipher = new TicketCipher(t.ticketKey().orElse(null));
        LOG.infof("TLS ticket store: Infinispan cache %s, reserve %d per key for a new owner, at most %d per key, lifetime %s",
                TicketStore.CACHE, t.ticketReserve(), t.ticketsPerKey(), t.ticketLifetime());
        return Optional.of(new TicketStore(() -> managers.get().getCache(TicketStore.CACHE), cipher, settings.heloName(),
                t.ticketReserve(), t.ticketsPerKey(), t.ticketLifetime(), t.ticketWait(), ownership, registry));
    }

    /** The one NetClient of the engine (TLS engine and session caches as configured). */
    @Produces
    @Singleton
    NetClient netClient(Vertx vertx, SmtpSettings settings, Optional<TicketStore> tickets) {
        return EndpointWalker.createClient(vertx, settings, TlsEngine.configured(), tickets.orElse(null));
    }

    void closeNetClient(@Disposes NetClient client) {
        client.close();
    }

    /**
     * The egress sources and pools (warmwire.egress.*): one NetClient per source, bound to its
     * address, whose walker sends its HELO name. A source address this host cannot bind, or a pool
     * that names what does not exist, stops the start (rather than every connection from it
     * failing, and sites held dead for it).
     */
    @Produces
    @Singleton
    Egress egress(Vertx vertx, SessionConfig config, SmtpSettings settings, EndpointWalker walker,
                  Optional<TicketStore> tickets) {
        SessionConfig.Egress e = config.egress();
        java.util.List<Source> sources = new java.util.ArrayList<>();
        e.sources().forEach((name, s) -> sources.add(new Source(name, s.address().strip(),
                s.helo().filter(h -> !h.isBlank()).orElse(null))));
        java.util.Map<String, java.util.List<String>> pools = new java.util.LinkedHashMap<>();
        e.pools().forEach((name, p) -> pools.put(name, p.sources()));
        EgressPools chosen = EgressPools.of(sources, pools, e.defaultPool().orElse(null), e.tenantPools(), e.sitePools());
        java.util.Map<String, EndpointWalker> walkers = new java.util.LinkedHashMap<>();
        java.util.List<NetClient> clients = new java.util.ArrayList<>();
        for (Source s : sources) {
            bindable(s);
            // its handshakes take only the TLS sessions prepared for its own connections (the
            // identity the walker's store keys carry: EndpointWalker.from)
            NetClient client = vertx.createNetClient(EndpointWalker.clientOptions(settings, TlsEngine.configured(),
                    tickets.map(t -> t.caches(s.name(), s.heloOr(settings.heloName()))).orElse(null))
                    .setLocalAddress(s.address()));
            clients.add(client);
            walkers.put(s.name(), walker.from(s, client));
        }
        if (!sources.isEmpty()) {
            LOG.infof("egress sources %s; pools %s; default pool %s; by tenant %s; by site %s",
                    sources.stream().map(Source::label).toList(), chosen.describe(), e.defaultPool().orElse("none"),
                    e.tenantPools(), e.sitePools());
        }
        return new Egress(chosen, java.util.Map.copyOf(walkers), java.util.List.copyOf(clients));
    }

    void closeEgress(@Disposes Egress egress) {
        egress.clients().forEach(NetClient::close);
    }

    /** Fails unless this host can bind {@code s}'s address (a local one). */
    static void bindable(Source s) {
        try (java.net.Socket probe = new java.net.Socket()) {
            probe.bind(new java.net.InetSocketAddress(InetAddress.getByName(s.address()), 0));
        } catch (java.io.IOException ex) {
            throw new IllegalArgumentException("egress source " + s.label() + ": this host cannot send from "
                    + s.address() + " (" + ex.getMessage() + ")", ex);
        }
    }

    /** Connects and walks a job's endpoints; counts connections, handshakes and reuse ({@link SessionMetrics}). */
    @Produces
    @Singleton
    EndpointWalker walker(Vertx vertx, NetClient client, SmtpSettings settings, PeerVerifier verifier, SessionMetrics metrics,
                          Optional<TicketStore> tickets) {
        return new EndpointWalker(vertx, client, settings, verifier, metrics, tickets.<SessionTickets>map(x -> x)
                .orElse(SessionTickets.NONE));
    }

    /**
     * The connection cache (per-site ready queues; README: CONNECTION REUSE), with the dead-site
     * verdicts (logged, counted, and written to Infinispan by {@link DeadSitePublisher}) and the
     * operator's suspensions; empty with {@code warmwire.session.connection-cache=false}.
     */
    @Produces
    @Singleton
    Optional<ConnectionCache> connectionCache(Vertx vertx, SessionConfig config, EndpointWalker walker, SuspendedSites suspended,
                                              SessionMetrics metrics, DeadSitePublisher publisher, Egress egress) {
        SessionConfig.Session c = config.session();
        LOG.infof("connection cache: %s, max-connections=%d, max-deliveries-per-connection=%d, idle-timeout=%s, "
                        + "max-connection-age=%s, recipients-per-transaction=%d, initial-concurrency=%d, queue-delay=%s, "
                        + "growth-cpu-limit=%.2f, site overrides=%s",
                c.connectionCache() ? "on" : "off", c.maxConnections(), c.maxDeliveriesPerConnection(), c.idleTimeout(),
                c.maxConnectionAge(), c.recipientsPerTransaction(), c.initialConcurrency(), c.queueDelay(),
                c.growthCpuLimit(), c.site().keySet());
        DeadSites dead = deadSites(c, publisher);
        metrics.watchDeadSites(dead);
        Throttles throttles = throttles(config, publisher);
        metrics.watchThrottles(throttles);
        metrics.watchPublishFailures(publisher, DeadSitePublisher::failures);
        if (!c.connectionCache()) {
            return Optional.empty(); // the gauges are there all the same, at zero
        }
        Providers providers = Providers.load(config.providers().file().orElse(null));
        LOG.infof("mailbox providers (%s): %s", config.providers().file().orElse("shipped presets"), providers.all().stream()
                .map(p -> p.name() + " (max-connections=" + p.maxConnections() + ", max-deliveries-per-connection="
                        + p.maxDeliveriesPerConnection() + ", message-rate=" + p.messageRate() + ", connection-rate="
                        + p.connectionRate() + ")").toList());
        ConnectionCache cache = new ConnectionCache(vertx, walker, source -> egress.walker(source, walker),
                (key, provider) -> rules(c, key, provider), providers::named, new HostLoad(vertx, c.growthCpuLimit()), dead,
                suspended, throttles);
        metrics.watchProviders(cache, providers.all().stream().map(Provider::name).toList(), ConnectionCache::providerConnections);
        return Optional.of(cache);
    }

    /**
     * A site's limits under its provider (null: none): the provider's deliveries per connection
     * unless the site has its own; the site's own max-connections, message-rate or
     * connection-rate take it out of the provider's for that limit ({@link SiteRules}).
     */
    static SiteRules rules(SessionConfig.Session c, String siteKey, Provider provider) {
        ConnectionLimits l = limits(c, siteKey);
        if (provider == null) {
            return SiteRules.of(l);
        }
        SessionConfig.SiteLimits o = Site.byKeyOrHost(siteKey, c.site()::get);
        boolean ownDeliveries = o != null && o.maxDeliveriesPerConnection().isPresent();
        if (!ownDeliveries && provider.maxDeliveriesPerConnection() > 0) {
            l = new ConnectionLimits(l.maxConnections(), provider.maxDeliveriesPerConnection(), l.idleTimeout(),
                    l.maxConnectionAge(), l.recipientsPerTransaction(), l.initialConcurrency(), l.queueDelay(),
                    l.maxWaitingPerSite(), l.messageRate(), l.messageBurst(), l.connectionRate(), l.connectionBurst());
        }
        return new SiteRules(l, o != null && o.maxConnections().isPresent(), o != null && o.messageRate().isPresent(),
                o != null && o.connectionRate().isPresent());
    }

    /**
     * Sites a receiver asked to slow down (reply rules: warmwire.reply-classes.file, else the
     * shipped ones), for warmwire.session.throttle-hold; logged here and handed to the publisher
     * (the Infinispan cache warmwire-sites, which queue-service's admin API lists).
     */
    static Throttles throttles(SessionConfig config, DeadSitePublisher publisher) {
        ReplyRules rules = ReplyRules.load(config.replyClasses().file().orElse(null));
        return new Throttles(rules, config.session().throttleHold(), Clock.systemUTC(), t -> {
            if (t.ended()) {
                LOG.infof("site %s: throttle ended (since %s); its limits are as before", BoundedText.escape(t.site()),
                        t.since());
            } else {
                LOG.warnf("site %s throttled until %s: window %d, deliveries per connection %d; %s said: %s",
                        BoundedText.escape(t.site()), t.until(), t.window(), t.deliveriesPerConnection(),
                        BoundedText.escape(String.valueOf(t.relay())), BoundedText.escape(t.cause()));
            }
            publisher.throttle(t);
        });
    }

    /**
     * Failed cohorts make a site dead for a while; logged here and handed to {@code publish}
     * (the Infinispan cache warmwire-sites, which queue-service's admin API lists).
     */
    static DeadSites deadSites(SessionConfig.Session c, java.util.function.Consumer<DeadSites.Verdict> publish) {
        return new DeadSites(c.deadSiteMinBackoff(), c.deadSiteMaxBackoff(), Clock.systemUTC(),
                v -> {
                    if (v.count() > 0) {
                        LOG.warnf("site %s is dead until %s (%d failed attempt(s) in a row; jobs deferred without connecting): %s",
                                BoundedText.escape(v.site()), v.until(), v.count(),
                                BoundedText.escape(BoundedText.truncate(v.failure().getMessage(), BoundedText.MAX_REASON)));
                    } else {
                        LOG.infof("site %s is alive again (dead since %s)", v.site(), v.since());
                    }
                    publish.accept(v);
                });
    }

    /** The limits of a site: the global values, overridden by the site key's entry, else by an entry for one of its hosts. */
    static ConnectionLimits limits(SessionConfig.Session c, String siteKey) {
        SessionConfig.SiteLimits o = Site.byKeyOrHost(siteKey, c.site()::get);
        ConnectionLimits d = new ConnectionLimits(c.maxConnections(), c.maxDeliveriesPerConnection(), c.idleTimeout(),
                c.maxConnectionAge(), c.recipientsPerTransaction(), c.initialConcurrency(), c.queueDelay(),
                c.maxWaitingPerSite(), c.messageRate(), c.messageBurst(), c.connectionRate(), c.connectionBurst());
        if (o == null) {
            return d;
        }
        return new ConnectionLimits(o.maxConnections().orElse(d.maxConnections()),
                o.maxDeliveriesPerConnection().orElse(d.maxDeliveriesPerConnection()), o.idleTimeout().orElse(d.idleTimeout()),
                o.maxConnectionAge().orElse(d.maxConnectionAge()), o.recipientsPerTransaction().orElse(d.recipientsPerTransaction()),
                o.initialConcurrency().orElse(d.initialConcurrency()), o.queueDelay().orElse(d.queueDelay()),
                o.maxWaitingPerSite().orElse(d.maxWaitingPerSite()), o.messageRate().orElse(d.messageRate()),
                o.messageBurst().orElse(d.messageBurst()), o.connectionRate().orElse(d.connectionRate()),
                o.connectionBurst().orElse(d.connectionBurst()));
    }

    static SmtpTimeouts timeouts(SessionConfig.Timeouts t) {
        return SmtpTimeouts.rfc()
                .with(SmtpState.CONNECT, t.connect())
                .with(SmtpState.GREETING, t.greeting())
                .with(SmtpState.EHLO, t.helo())
                .with(SmtpState.HELO, t.helo())
                .with(SmtpState.EHLO_TLS, t.helo())
                .with(SmtpState.STARTTLS, t.starttls())
                .with(SmtpState.TLS_HANDSHAKE, t.tlsHandshake())
                .with(SmtpState.MAIL, t.mail())
                .with(SmtpState.RCPT, t.rcpt())
                .with(SmtpState.DATA, t.data())
                .with(SmtpState.DATA_BODY, t.dataBody())
                .with(SmtpState.DATA_DONE, t.dataDone())
                .with(SmtpState.BDAT, t.dataDone())
                .with(SmtpState.RSET, t.rset())
                .with(SmtpState.QUIT, t.quit());
    }

    static String heloName(SessionConfig config) {
        return config.smtp().heloName().filter(s -> !s.isBlank()).orElseGet(() -> {
            try {
                String h = InetAddress.getLocalHost().getCanonicalHostName();
                return h == null || h.isBlank() || h.matches(".*[\\s<>].*") ? "localhost" : h;
            } catch (Exception e) {
                return "localhost";
            }
        });
    }
}
