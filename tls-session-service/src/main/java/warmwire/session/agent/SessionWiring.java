package warmwire.session.agent;

import java.net.InetAddress;
import java.nio.file.Path;
import org.jboss.logging.Logger;
import warmwire.contracts.text.BoundedText;
import warmwire.session.SessionConfig;
import warmwire.session.conn.ConnectionLimits;
import warmwire.session.readyq.DeadSites;
import warmwire.session.smtp.PeerVerifier;
import warmwire.session.smtp.ReplyLimits;
import warmwire.session.smtp.SmtpSettings;
import warmwire.session.smtp.SmtpState;
import warmwire.session.smtp.SmtpTimeouts;
import warmwire.session.tls.TrustFileVerifier;

/**
 * NAME
 *   SessionWiring - the SMTP engine's parts, made from {@link SessionConfig}.
 * DESCRIPTION
 *   The one place where configuration becomes the engine's values: the SMTP settings (HELO
 *   name, per-state timeouts, reply limits, BDAT), the certificate verifier (the trust file is
 *   loaded here, at startup: a bad file stops the service with a clear error), the ticket store
 *   (README: TICKET STORE), the dead-site verdicts and each site's connection limits. Pure
 *   functions of the configuration; {@link DeliveryAgent} calls them once at startup.
 */
public final class SessionWiring {
    private static final Logger LOG = Logger.getLogger(SessionWiring.class);

    private SessionWiring() {
    }

    /** HELO name, timeouts, reply limits and BDAT from {@code warmwire.smtp.*}. */
    public static SmtpSettings smtpSettings(SessionConfig config) {
        SessionConfig.Limits l = config.smtp().limits();
        return new SmtpSettings(heloName(config), timeouts(config.smtp().timeouts()),
                new ReplyLimits(l.replyLine(), l.replyLines(), l.replyBytes(), l.unreadBytes()), config.smtp().chunking());
    }

    /** The certificate check of {@code verify}: the trust file, else the JDK's CA store. */
    public static PeerVerifier verifier(SessionConfig config) {
        return TrustFileVerifier.fromTrustFile(config.tls().trustFile().map(Path::of).orElse(null));
    }

    /**
     * The ticket store (README: TICKET STORE) when {@code warmwire.tls.ticket-store} is on and the
     * engine in use is conscrypt; null otherwise (the engine's in-process cache only). A missing
     * or malformed {@code warmwire.tls.ticket-key} stops the service at startup.
     */
    public static warmwire.session.tls.TicketStore ticketStore(SessionConfig config, SmtpSettings settings,
            jakarta.enterprise.inject.Instance<org.infinispan.client.hotrod.RemoteCacheManager> managers,
            warmwire.session.shard.Ownership ownership, io.micrometer.core.instrument.MeterRegistry registry) {
        SessionConfig.Tls t = config.tls();
        if (!t.ticketStore()) {
            return null;
        }
        warmwire.session.tls.TlsEngine engine = warmwire.session.tls.TlsEngine.configured().usable();
        if (engine != warmwire.session.tls.TlsEngine.CONSCRYPT) {
            LOG.warnf("TLS ticket store off: it needs the conscrypt engine, and %s runs (sessions stay in this process)",
                    engine.wireName());
            return null;
        }
        warmwire.session.tls.ConscryptTls.check();
        warmwire.session.tls.TicketCipher cipher = new warmwire.session.tls.TicketCipher(t.ticketKey().orElse(null));
        LOG.infof("TLS ticket store: Infinispan cache %s, reserve %d per key for a new owner, at most %d per key, lifetime %s",
                warmwire.session.tls.TicketStore.CACHE, t.ticketReserve(), t.ticketsPerKey(), t.ticketLifetime());
        return new warmwire.session.tls.TicketStore(() -> managers.get().getCache(warmwire.session.tls.TicketStore.CACHE),
                cipher, settings.heloName(), t.ticketReserve(), t.ticketsPerKey(), t.ticketLifetime(), t.ticketWait(),
                ownership, registry);
    }

    /**
     * Failed cohorts make a site dead for a while; logged here and handed to {@code publish}
     * (the Infinispan cache warmwire-sites, which queue-service's admin API lists).
     */
    public static DeadSites deadSites(SessionConfig.Session c, java.util.function.Consumer<DeadSites.Verdict> publish) {
        return new DeadSites(c.deadSiteMinBackoff(), c.deadSiteMaxBackoff(), java.time.Clock.systemUTC(),
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
    public static ConnectionLimits limits(SessionConfig.Session c, String siteKey) {
        SessionConfig.SiteLimits o = warmwire.contracts.route.Site.byKeyOrHost(siteKey, c.site()::get);
        ConnectionLimits d = new ConnectionLimits(c.maxConnections(), c.maxDeliveriesPerConnection(), c.idleTimeout(),
                c.maxConnectionAge(), c.recipientsPerTransaction(), c.initialConcurrency(), c.queueDelay(),
                c.maxWaitingPerSite());
        if (o == null) {
            return d;
        }
        return new ConnectionLimits(o.maxConnections().orElse(d.maxConnections()),
                o.maxDeliveriesPerConnection().orElse(d.maxDeliveriesPerConnection()), o.idleTimeout().orElse(d.idleTimeout()),
                o.maxConnectionAge().orElse(d.maxConnectionAge()), o.recipientsPerTransaction().orElse(d.recipientsPerTransaction()),
                o.initialConcurrency().orElse(d.initialConcurrency()), o.queueDelay().orElse(d.queueDelay()),
                o.maxWaitingPerSite().orElse(d.maxWaitingPerSite()));
    }

    public static SmtpTimeouts timeouts(SessionConfig.Timeouts t) {
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

    public static String heloName(SessionConfig config) {
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
