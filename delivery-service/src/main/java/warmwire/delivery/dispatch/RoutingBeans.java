package warmwire.delivery.dispatch;

import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.InetSocketAddress;
import java.util.List;
import org.jboss.logging.Logger;
import io.vertx.core.net.PemTrustOptions;
import java.time.Clock;
import warmwire.delivery.DeliveryConfig;
import warmwire.delivery.dane.Dane;
import warmwire.delivery.dane.DnssecLookup;
import warmwire.delivery.mtasts.MtaSts;
import warmwire.delivery.mtasts.StsFetcher;
import warmwire.delivery.mtasts.StsPolicies;
import warmwire.delivery.mx.Route;
import warmwire.delivery.mx.DnsLookup;
import warmwire.delivery.mx.DnsServers;
import warmwire.delivery.mx.MxResolver;
import warmwire.delivery.policy.AddressPolicy;
import warmwire.delivery.policy.RoutesFile;

/**
 * NAME
 *   RoutingBeans - builds the DNS client, the MX resolvers and the domain router from the config.
 * DESCRIPTION
 *   The DNS clients use Quarkus' own Vert.x instance (its event loops), so lookups never block a
 *   thread. Creating them sends nothing: the service starts without any resolver reachable.
 */
@ApplicationScoped
public class RoutingBeans {
    private static final Logger LOG = Logger.getLogger(RoutingBeans.class);

    /** The configured servers, else /etc/resolv.conf's; {@code configured} says which. */
    private static List<InetSocketAddress> servers(List<String> configured) {
        return configured.isEmpty() ? DnsServers.system(DnsServers.RESOLV_CONF) : DnsServers.parse(configured);
    }

    private static List<String> nonBlank(java.util.Optional<List<String>> list) {
        return list.orElse(List.of()).stream().filter(s -> !s.isBlank()).toList();
    }

    @Produces
    @Singleton
    DnsLookup dnsLookup(Vertx vertx, DeliveryConfig config) {
        List<String> configured = nonBlank(config.dns().servers());
        List<InetSocketAddress> servers = servers(configured);
        DnsLookup dns = new DnsLookup(vertx, servers, config.dns().timeout(), config.dns().cacheTtl(),
                config.dns().negativeCacheTtl(), config.dns().cacheSize());
        LOG.infof("DNS servers %s%s, timeout %s, cache %s (negative %s, %d answers)", dns.servers(),
                configured.isEmpty() ? " (from " + DnsServers.RESOLV_CONF + ")" : "", config.dns().timeout(),
                config.dns().cacheTtl(), config.dns().negativeCacheTtl(), config.dns().cacheSize());
        return dns;
    }

    void close(@Disposes DnsLookup dns) {
        dns.close();
    }

    /**
     * The mailbox providers (warmwire.providers.file: a providers file, unset for the shipped
     * presets, "none" for none); a file that does not parse stops startup.
     */
    @Produces
    @Singleton
    warmwire.contracts.shape.Providers providers(
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "warmwire.providers.file")
            java.util.Optional<String> file) {
        warmwire.contracts.shape.Providers p = warmwire.contracts.shape.Providers.load(file.orElse(null));
        LOG.infof("mailbox providers (%s): %s", file.orElse("shipped presets"),
                p.all().stream().map(warmwire.contracts.shape.Provider::name).toList());
        return p;
    }

    /** A bad CIDR in warmwire.dns.allow-private stops startup (IllegalArgumentException names it). */
    @Produces
    @Singleton
    DomainRouter domainRouter(RoutesFile routes, DnsLookup dns, DeliveryConfig config, Vertx vertx) {
        AddressPolicy policy = AddressPolicy.of(config.dns().allowPrivate().orElse(List.of()));
        MxResolver.Limits limits = new MxResolver.Limits(config.dns().maxMxHosts(),
                config.dns().maxAddressesPerHost(), config.dns().maxEndpoints());
        LOG.infof("non-public addresses allowed from DNS and address literals: %s; per domain at most %d MX hosts,"
                        + " %d addresses per host, %d endpoints", policy.allowList().isEmpty() ? "none"
                        : policy.allowList(), limits.mxHosts(), limits.addressesPerHost(), limits.endpoints());
        MxResolver fromDns = new MxResolver(dns, policy, limits);
        return new DomainRouter(routes::table, fromDns, new MxResolver(dns, AddressPolicy.ANY, limits),
                config.smtp().port(), mtaSts(config.mtaSts(), vertx, dns, fromDns), dane(config));
    }

    /** DANE's validating resolver; trust anchors that cannot be read stop startup. */
    private static Dane dane(DeliveryConfig config) {
        List<String> configured = nonBlank(config.dane().dnsServers());
        if (configured.isEmpty()) {
            configured = nonBlank(config.dns().servers());
        }
        List<InetSocketAddress> servers = servers(configured);
        String file = config.dane().trustAnchorFile().filter(f -> !f.isBlank()).orElse(null);
        try (java.io.InputStream in = file != null ? java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))
                : RoutingBeans.class.getResourceAsStream("/dane/root-anchors.txt")) {
            DnssecLookup lookup = new DnssecLookup(servers, in, config.dns().timeout());
            LOG.infof("DANE (levels dane, dane-only): DNSSEC validation by %s with %d trust anchor(s) from %s", servers,
                    lookup.anchors(), file != null ? file : "the shipped root KSKs");
            return new Dane(lookup);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("DANE trust anchors " + (file != null ? file : "(shipped)")
                    + " cannot be loaded: " + e.getMessage(), e);
        }
    }

    /**
     * MTA-STS, or null when off. The policy host's addresses come from the routing DNS under the
     * same address policy as MX hosts. A trust file that cannot be read stops startup.
     */
    private MtaSts mtaSts(DeliveryConfig.MtaSts c, Vertx vertx, DnsLookup dns, MxResolver fromDns) {
        if (!c.enabled()) {
            LOG.info("MTA-STS off (warmwire.mta-sts.enabled=false)");
            return null;
        }
        String trustFile = c.trustFile().filter(f -> !f.isBlank()).orElse(null);
        if (trustFile != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(trustFile))) {
            throw new IllegalArgumentException("warmwire.mta-sts.trust-file is not readable: " + trustFile);
        }
        fetcher = new StsFetcher(vertx, trustFile == null ? null : new PemTrustOptions().addCertPath(trustFile),
                c.timeout(), c.port(), host -> fromDns.host(host, c.port()).map(RoutingBeans::addresses));
        LOG.infof("MTA-STS on: policies from https://mta-sts.<domain>%s/, certificates checked against %s,"
                        + " fetch timeout %s, %d domains cached", c.port() == 443 ? "" : ":" + c.port(),
                trustFile == null ? "the JDK CA store" : trustFile, c.timeout(), c.cacheSize());
        return new MtaSts(dns, new StsPolicies(fetcher, Clock.systemUTC(), c.cacheSize(), c.failureHold()));
    }

    private static java.util.List<String> addresses(Route r) {
        if (r instanceof Route.Destination d) {
            return d.endpoints().stream().map(e -> e.address()).toList();
        }
        throw new IllegalStateException(((Route.Failure) r).reason());
    }

    private StsFetcher fetcher;

    void closeFetcher(@Disposes DomainRouter router) {
        if (fetcher != null) {
            fetcher.close();
        }
    }
}
