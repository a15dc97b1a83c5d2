package warmwire.session.shard;

import java.util.Set;
import java.util.function.Predicate;

/**
 * NAME
 *   ShardedConnections - what the shard side asks of the connections and TLS sessions below the
 *   Kafka side when partitions come and go.
 * DESCRIPTION
 *   Implemented by agent.ShardedEngine (over the connection cache and the ticket store);
 *   the shard package calls through this interface so it imports nothing above it.
 */
public interface ShardedConnections {
    /** This instance got {@code partitions}: their sites' TLS sessions are fetched before their first handshakes. */
    void gained(Set<Integer> partitions);

    /** This instance gave {@code partitions} away: sessions taken for them and not used go back. */
    void lost(Set<Integer> partitions);

    /** QUITs the idle cached connections of the sites {@code which} accepts; returns how many sites. */
    int quitIdle(Predicate<String> which);

    /** Live cached connections. */
    int connectionsOpen();

    /** Sites with a live cached connection. */
    int sitesWithConnections();
}
