package warmwire.session.agent;

import java.util.Map;
import warmwire.session.conn.EndpointWalker;
import warmwire.session.conn.Source;
import warmwire.session.egress.EgressPools;

/**
 * The egress of this instance: the pools that choose a job's source, and the walker of each
 * source (its NetClient bound to the source's address, its HELO name). Made by
 * {@link SessionWiring#egress}.
 */
public record Egress(EgressPools pools, Map<String, EndpointWalker> walkers, java.util.List<io.vertx.core.net.NetClient> clients) {

    /** The walker of {@code source}; {@code fallback} (the system's address) for null. */
    public EndpointWalker walker(Source source, EndpointWalker fallback) {
        return source == null ? fallback : walkers.get(source.name());
    }
}
