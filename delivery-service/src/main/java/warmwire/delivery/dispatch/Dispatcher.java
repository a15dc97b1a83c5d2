package warmwire.delivery.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.QueuedMessageCheck;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.text.BoundedText;
import warmwire.delivery.DeliveryConfig;
import warmwire.delivery.mx.Route;

/**
 * NAME
 *   Dispatcher - consumes mail.route, publishes delivery jobs and routing outcomes.
 * DESCRIPTION
 *   Channels: {@code route} (in, mail.route, QueuedMessage JSON), {@code deliver} (out,
 *   mail.deliver, DeliveryJob JSON, key = site key) and {@code outcome} (out, mail.outcome,
 *   DeliveryOutcome JSON, key = message id).
 *
 *   Up to warmwire.routing.concurrency messages are routed at once, each with all its domains'
 *   lookups in parallel; nothing blocks a thread while DNS answers. A record is acknowledged -
 *   and its offset becomes committable by the throttled strategy - only after every job and
 *   outcome it caused was acknowledged by the broker; a failed send nacks it, and the channel's
 *   failure strategy (fail) stops consumption rather than lose mail. Every record is judged by
 *   {@link QueuedMessageCheck} first: one that is not valid for mail.route (which only happens
 *   if something other than queue-service writes to the internal topic) goes to
 *   mail.internal.dlq with its reason ({@link DeadLetterProducer}), is counted
 *   ({@code warmwire_records_dead_lettered_total{topic,service="delivery-service"}}) and is
 *   acknowledged without other output; a dead letter the broker did not take is logged with
 *   the record's position, and the record acknowledged all the same (it can never be routed).
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    /** Jobs of one message in flight at once: bounds memory when a large message has many sites. */
    private static final int SENDS_PER_MESSAGE = 4;

    @Inject
    @Channel("route")
    Multi<Message<String>> queued;

    @Inject
    @Channel("deliver")
    MutinyEmitter<String> deliver;

    @Inject
    @Channel("outcome")
    MutinyEmitter<String> outcome;

    @Inject
    ObjectMapper mapper;

    @Inject
    DeliveryConfig config;

    @Inject
    DomainRouter router;

    private Cancellable subscription;

    /** The {@code service} of delivery-service's dead letters. */
    static final String SERVICE = "delivery-service";

    @Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    jakarta.enterprise.inject.Instance<Map<String, Object>> kafka;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    /** Most recipients of one message: the intake's bound, under the same key. */
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "warmwire.intake.max-recipients", defaultValue = "1000")
    int maxRecipients;

    private volatile DeadLetterProducer deadLetters;

    void start(@Observes StartupEvent ev) {
        subscription = queued.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToUni(this::handle).merge(Math.max(1, config.routing().concurrency()))
                .subscribe().with(ignored -> {
                }, failure -> LOG.errorf(failure, "routing stopped: %s", failure.getMessage()));
    }

    @PreDestroy
    void stop() {
        if (subscription != null) {
            subscription.cancel();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /** Routes one record; the returned Uni never fails (failures nack the record). */
    Uni<Void> handle(Message<String> record) {
        String where = position(record);
        Checked<QueuedMessage> checked = QueuedMessageCheck.check(record.getPayload(),
                new RecordLimits(Math.max(1, maxRecipients)), Instant.now());
        if (!checked.isValid()) {
            LOG.errorf("%s: not a valid queued message, dead-lettered: %s", where, logSafe(checked.reason()));
            return deadLetter(record, checked.reason());
        }
        QueuedMessage m = checked.value();
        Instant started = Instant.now();
        Set<String> domains = new LinkedHashSet<>();
        for (String rcpt : m.recipients()) {
            String d = RoutePlanner.domainOf(rcpt);
            if (d != null) {
                domains.add(d);
            }
        }
        List<String> order = List.copyOf(domains);
        Uni<Map<String, Route>> routes = order.isEmpty() ? Uni.createFrom().item(Map.of())
                : Uni.join().all(order.stream().map(router::route).toList()).andFailFast().map(list -> {
                    Map<String, Route> byDomain = new LinkedHashMap<>();
                    for (int i = 0; i < order.size(); i++) {
                        byDomain.put(order.get(i), list.get(i));
                    }
                    return byDomain;
                });
        return routes.emitOn(Infrastructure.getDefaultWorkerPool())
                .map(r -> RoutePlanner.plan(m, r, config.tls().level(), started, Instant.now()))
                .call(this::send)
                .chain(() -> Uni.createFrom().completionStage(record::ack))
                .onFailure().recoverWithUni(e -> {
                    LOG.errorf(e, "%s: %s: not routed (%s); record nacked", m.id(), where, e.getMessage());
                    return Uni.createFrom().completionStage(() -> record.nack(e));
                });
    }

    /** The record to mail.internal.dlq, then acknowledged (also when the broker refused the dead letter). */
    private Uni<Void> deadLetter(Message<String> record, String reason) {
        IncomingKafkaRecordMetadata<?, ?> k = record.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        String topic = k == null ? warmwire.contracts.Topics.ROUTE : k.getTopic();
        if (registry != null) {
            io.micrometer.core.instrument.Counter.builder("warmwire.records.dead.lettered").tag("topic", topic)
                    .tag("service", SERVICE).description("internal records not valid for their topic, written to mail.internal.dlq")
                    .register(registry).increment();
        }
        DeadLetterProducer p = producer();
        if (p == null) {
            return Uni.createFrom().completionStage(record::ack);
        }
        InternalDeadLetter d = InternalDeadLetter.of(topic, k == null ? -1 : k.getPartition(), k == null ? -1 : k.getOffset(),
                k == null || k.getKey() == null ? null : String.valueOf(k.getKey()), SERVICE, reason, record.getPayload(),
                Instant.now());
        return Uni.createFrom().completionStage(() -> p.send(d)).onFailure().recoverWithItem(e -> {
            LOG.errorf("dead letter of %s %d@%d not written (%s): the record is skipped all the same", d.topic(),
                    d.partition(), d.offset(), e.toString());
            return null;
        }).chain(() -> Uni.createFrom().completionStage(record::ack));
    }

    private DeadLetterProducer producer() {
        if (deadLetters == null && kafka != null && kafka.isResolvable()) {
            synchronized (this) {
                if (deadLetters == null) {
                    deadLetters = new DeadLetterProducer(kafka.get(), "warmwire-delivery-dlq");
                }
            }
        }
        return deadLetters;
    }

    /** Client-supplied ids and addresses, and reasons quoting DNS names, cut and escaped for one log line. */
    static String logSafe(String s) {
        return BoundedText.escape(BoundedText.truncate(s, BoundedText.MAX_REASON));
    }

    private Uni<Void> send(Plan plan) {
        List<Uni<Void>> sends = new ArrayList<>();
        for (DeliveryJob job : plan.jobs()) {
            sends.add(Uni.createFrom().deferred(() -> {
                LOG.infof("%s: to=<%s>, site=%s, relay=%s, delays=%.3f (routed)", logSafe(job.messageId()),
                        logSafe(String.join(">,<", job.recipients())), logSafe(job.site().key()),
                        logSafe(job.endpoints().get(0).relay()),
                        job.routeSeconds());
                return deliver.sendMessage(Message.of(json(job)).addMetadata(
                        OutgoingKafkaRecordMetadata.<String>builder().withKey(job.site().key()).build()));
            }));
        }
        DeliveryOutcome o = plan.outcome();
        if (o != null) {
            for (RecipientResult r : o.results()) {
                LOG.infof("%s: to=<%s>, relay=none, dsn=%s, status=%s (%s)", logSafe(o.messageId()),
                        logSafe(r.recipient()), r.dsn(), r.status().wireName(), logSafe(r.reason()));
            }
            sends.add(Uni.createFrom().deferred(() -> outcome.sendMessage(Message.of(json(o)).addMetadata(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(o.messageId()).build()))));
        }
        if (sends.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(sends).onItem().transformToUni(u -> u).merge(SENDS_PER_MESSAGE)
                .collect().last().replaceWithVoid();
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + o.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static String position(Message<?> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(k -> k.getTopic() + "/" + k.getPartition() + "@" + k.getOffset()).orElse("record");
    }
}
