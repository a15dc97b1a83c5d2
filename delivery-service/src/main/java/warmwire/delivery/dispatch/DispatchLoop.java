package warmwire.delivery.dispatch;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import warmwire.contracts.KafkaClients;
import warmwire.contracts.Topics;
import warmwire.delivery.DeliveryConfig;
import warmwire.pipeline.ExactlyOnceLoop;
import warmwire.pipeline.InFlightLimit;

/**
 * NAME
 *   DispatchLoop - runs the first hop, mail.submit and mail.route in: an {@link ExactlyOnceLoop}
 *   over the {@link Dispatcher} with this service's Kafka clients.
 * DESCRIPTION
 *   Submissions are judged and routed in this one hop: intake and routing share a poll, a
 *   transaction and its commit points (before, queue-service judged them and wrote every
 *   accepted body to mail.route, one more topic write, read and transaction per message).
 *   mail.route still carries what queue-service queues: retries, DSNs, TLS reports.
 *   The consumer: group {@value #GROUP}, read_committed, the connection settings of the
 *   {@code kafka.*} keys ({@link KafkaClients#groupConsumer}). The producer: transactional id
 *   {@code warmwire.routing.transactional-id} (stable per instance, so a restarted instance
 *   aborts its predecessor's open transaction at once), acks=all, idempotent, compression
 *   {@code warmwire.routing.compression}. Up to {@code warmwire.routing.concurrency} records are read and routed at
 *   once per poll, and fetching pauses while four times that many (or 64 MiB) are not committed.
 *   Output waits at most {@code warmwire.routing.commit-interval} for its transaction. Before the
 *   loop first reads mail.submit, {@link SubmitOffsets} hands over queue-service's former intake
 *   group's offsets.
 *   {@code warmwire.routing.enabled=false} (unit tests) starts no loop.
 */
@ApplicationScoped
public class DispatchLoop {
    private static final Logger LOG = Logger.getLogger(DispatchLoop.class);
    static final String GROUP = "warmwire-delivery";

    @Inject
    DeliveryConfig config;

    @Inject
    Dispatcher dispatcher;

    @Inject
    MeterRegistry registry;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private ExactlyOnceLoop<byte[], byte[]> loop;
    private Thread thread;
    private volatile boolean stopping;

    void onStart(@Observes StartupEvent ev) {
        DeliveryConfig.Routing r = config.routing();
        if (!r.enabled()) {
            return;
        }
        int concurrency = Math.max(1, r.concurrency());
        ExactlyOnceLoop.Settings settings = new ExactlyOnceLoop.Settings("warmwire-route", List.of(Topics.SUBMIT, Topics.ROUTE),
                r.commitInterval(), 2000, r.handoffTimeout(), 4096, null, r.pollLinger());
        loop = new ExactlyOnceLoop<>(settings, () -> consumer(concurrency), () -> producer(r.transactionalId()), dispatcher,
                new InFlightLimit(4 * concurrency, 64L * 1024 * 1024), null);
        ExactlyOnceLoop.Stats st = loop.stats();
        FunctionCounter.builder("warmwire.route.transactions.seconds", st, ExactlyOnceLoop.Stats::commitSeconds)
                .description("time spent in the route transactions that committed (send, commit points, commit); over the "
                        + "transactions' count, the mean time a commit holds the loop")
                .register(registry);
        FunctionCounter.builder("warmwire.route.transactions", st, ExactlyOnceLoop.Stats::transactions)
                .description("Kafka transactions that committed routed jobs, outcomes and dead letters with the commit points"
                        + " of mail.submit and mail.route")
                .register(registry);
        FunctionCounter.builder("warmwire.route.transactions.failed", st, ExactlyOnceLoop.Stats::failed)
                .description("routing transactions that failed (their output went in a later one)").register(registry);
        FunctionCounter.builder("warmwire.route.records.skipped", st, ExactlyOnceLoop.Stats::skipped)
                .description("mail.submit and mail.route records read again whose output an earlier owner had committed")
                .register(registry);
        ExactlyOnceLoop<byte[], byte[]> run = loop;
        thread = new Thread(() -> {
            try (Admin admin = Admin.create(KafkaClients.connection(kafka))) {
                if (!SubmitOffsets.handOver(admin, GROUP, Duration.ofSeconds(5), () -> stopping)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) { // the admin client could not be made: the consumer could not either
                LOG.errorf(e, "dispatch loop not started: no Kafka admin client for the offsets' handover: %s", e);
                return;
            }
            LOG.infof("dispatch loop: %s, %s -> %s, %s | %s; group %s, transactional id %s, %d read at once, transactions every %s",
                    Topics.SUBMIT, Topics.ROUTE, Topics.DELIVER, Topics.OUTCOME, Topics.SUBMIT_DLQ, GROUP, r.transactionalId(),
                    concurrency, r.commitInterval());
            run.run();
        }, "warmwire-route");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent ev) {
        if (loop == null) {
            return;
        }
        stopping = true;
        loop.stop();
        try {
            thread.join(config.routing().handoffTimeout().toMillis() + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KafkaConsumer<String, byte[]> consumer(int concurrency) {
        Map<String, Object> p = KafkaClients.groupConsumer(kafka, GROUP, "warmwire-route");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, concurrency);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaProducer<String, byte[]> producer(String transactionalId) {
        Map<String, Object> p = new HashMap<>(KafkaClients.connection(kafka));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 524_288);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.routing().compression());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORD_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 67_108_864L);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
