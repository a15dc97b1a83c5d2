package warmwire.delivery.dispatch;

import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.InetSocketAddress;
import java.util.List;
import org.jboss.logging.Logger;
import warmwire.delivery.DeliveryConfig;
import warmwire.delivery.mx.DnsLookup;
import warmwire.delivery.mx.DnsServers;
import warmwire.delivery.mx.MxResolver;
import warmwire.delivery.policy.RoutesFile;

/**
 * NAME
 *   RoutingBeans - builds the DNS client, the MX resolver and the domain router from the config.
 * DESCRIPTION
 *   The DNS clients use Quarkus' own Vert.x instance (its event loops), so lookups never block a
 *   thread. Creating them sends nothing: the service starts without any resolver reachable.
 */
@ApplicationScoped
public class RoutingBeans {
    private static final Logger LOG = Logger.getLogger(RoutingBeans.class);

    @Produces
    @Singleton
    DnsLookup dnsLookup(Vertx vertx, DeliveryConfig config) {
        List<String> configured = config.dns().servers().orElse(List.of()).stream()
                .filter(s -> !s.isBlank()).toList();
        List<InetSocketAddress> servers = configured.isEmpty() ? DnsServers.system(DnsServers.RESOLV_CONF)
                : DnsServers.parse(configured);
        DnsLookup dns = new DnsLookup(vertx, servers, config.dns().timeout(), config.dns().cacheTtl(),
                config.dns().cacheSize());
        LOG.infof("DNS servers %s%s, timeout %s, cache %s", dns.servers(),
                configured.isEmpty() ? " (from " + DnsServers.RESOLV_CONF + ")" : "", config.dns().timeout(),
                config.dns().cacheTtl());
        return dns;
    }

    void close(@Disposes DnsLookup dns) {
        dns.close();
    }

    @Produces
    @Singleton
    MxResolver mxResolver(DnsLookup dns) {
        return new MxResolver(dns);
    }

    @Produces
    @Singleton
    DomainRouter domainRouter(RoutesFile routes, MxResolver mx, DeliveryConfig config) {
        return new DomainRouter(routes::table, mx, config.smtp().port());
    }
}
