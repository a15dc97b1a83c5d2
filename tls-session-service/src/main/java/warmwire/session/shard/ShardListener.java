package warmwire.session.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import warmwire.contracts.route.ShardHash;
import warmwire.session.SessionConfig;
import warmwire.session.agent.DeliveryAgent;

/**
 * NAME
 *   ShardListener - the fence when shards (partitions of mail.deliver) move between instances.
 * DESCRIPTION
 *   The deliver channel's rebalance listener
 *   ({@code mp.messaging.incoming.deliver.consumer-rebalance-listener.name=warmwire-shards}).
 *   It runs on Kafka's polling thread, and a partition reaches its new owner only after this
 *   instance's revocation callback has returned; that is the fence. Step by step:
 *   Revoked (or lost):
 *     1. {@link Ownership#revoked}: no job of those partitions starts here from now on (SmallRye
 *        has already dropped their buffered records and committed what was acknowledged);
 *     2. wait, at most {@code warmwire.session.handoff-timeout}, until the jobs of those
 *        partitions in flight here have ended: outcome acknowledged by the broker and the job
 *        marked done in Infinispan, so the new owner, reading from the committed offset, drops
 *        them as delivered (agent.DoneJobs) instead of delivering them again;
 *     3. QUIT the idle connections of those partitions' sites (their TLS tickets stay in the
 *        ticket store for the new owner), and give back to the store the sessions taken for
 *        them at a gain that no handshake used (at most 5 s; tls.TicketStore#cool);
 *     4. record the change in the {@link ShardMap} (asynchronously).
 *   Assigned: {@link Ownership#assigned}; the ticket store starts taking the stored TLS sessions
 *   of those partitions' sites (tls.TicketStore#warm), so their first handshakes here resume
 *   without waiting for Infinispan; then the shard map.
 *   Jobs still running when the handoff timeout ends (a tarpitting site) are logged and counted
 *   (warmwire_shard_handoffs_total{result="timed_out"}); the new owner may then deliver them too
 *   if they have not ended when it reads them.
 */
@ApplicationScoped
@Identifier("warmwire-shards")
public class ShardListener implements KafkaConsumerRebalanceListener {
    private static final Logger LOG = Logger.getLogger(ShardListener.class);

    private final Ownership ownership;
    private final ShardMap map;
    private final DeliveryAgent agent;
    private final Duration handoffTimeout;
    private final Counter finished;
    private final Counter timedOut;

    @Inject
    public ShardListener(Ownership ownership, ShardMap map, DeliveryAgent agent, SessionConfig config, MeterRegistry registry) {
        this.ownership = ownership;
        this.map = map;
        this.agent = agent;
        this.handoffTimeout = config.session().handoffTimeout();
        this.finished = Counter.builder("warmwire.shard.handoffs").tag("result", "finished")
                .description("partitions given away after their jobs in flight ended").register(registry);
        this.timedOut = Counter.builder("warmwire.shard.handoffs").tag("result", "timed_out")
                .description("partitions given away with jobs still in flight at the handoff timeout").register(registry);
        Gauge.builder("warmwire.shard.partitions.owned", ownership, o -> o.owned().size())
                .description("partitions of mail.deliver this instance owns").register(registry);
        Gauge.builder("warmwire.shard.epoch", map, ShardMap::epoch).description("the shard map's epoch last written here")
                .register(registry);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<Integer> got = numbers(partitions);
        if (got.isEmpty()) {
            return;
        }
        ownership.partitionCount(partitionCount(consumer, partitions));
        ownership.assigned(got);
        agent.gained(got); // the TLS sessions of these partitions' sites are fetched before their first handshakes
        LOG.infof("shards assigned: %s (now %s)", got, ownership.owned());
        map.changed(got, Set.of());
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<Integer> gave = numbers(partitions);
        if (gave.isEmpty()) {
            return;
        }
        ownership.revoked(gave);
        long t0 = System.nanoTime();
        int left;
        try {
            left = ownership.awaitIdle(gave, handoffTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            left = -1;
        }
        if (left == 0) {
            finished.increment(gave.size());
        } else {
            timedOut.increment(gave.size());
            LOG.warnf("shards %s given away with %d job(s) still in flight after %s", gave, left, handoffTimeout);
        }
        int count = partitionCount(consumer, partitions);
        int sites = count <= 0 ? 0 : agent.quitIdle(site -> gave.contains(ShardHash.shardOf(site, count)));
        agent.lost(gave); // TLS sessions taken for them at a gain and not used go back before the new owner looks
        LOG.infof("shards revoked: %s after %d ms of handoff; idle connections of %d site(s) closed (now %s)", gave,
                (System.nanoTime() - t0) / 1_000_000, sites, ownership.owned());
        map.changed(Set.of(), gave);
    }

    private static int partitionCount(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        try {
            String topic = partitions.iterator().next().topic();
            return consumer.partitionsFor(topic).size();
        } catch (RuntimeException e) {
            LOG.warnf("partition count of mail.deliver unknown (%s): connections of moved sites idle out instead", e.toString());
            return -1;
        }
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        Set<Integer> out = new TreeSet<>();
        partitions.forEach(tp -> out.add(tp.partition()));
        return out;
    }
}
