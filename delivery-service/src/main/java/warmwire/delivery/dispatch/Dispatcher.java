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
import java.io.IOException;
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
 *   failure strategy (fail) stops consumption rather than lose mail. A record that is not a
 *   queued message (which only happens if something other than queue-service writes to the
 *   internal topic) is logged with its position and acknowledged without output.
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
    }

    /** Routes one record; the returned Uni never fails (failures nack the record). */
    Uni<Void> handle(Message<String> record) {
        String where = position(record);
        QueuedMessage m;
        try {
            m = parse(record.getPayload());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("%s: not a queued message, skipped: %s", where, logSafe(e.getMessage()));
            return Uni.createFrom().completionStage(record::ack);
        }
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

    private QueuedMessage parse(String payload) throws IOException {
        if (payload == null) {
            throw new IllegalArgumentException("null value");
        }
        QueuedMessage m = mapper.readValue(payload, QueuedMessage.class);
        if (m.id() == null || m.id().isBlank()) {
            throw new IllegalArgumentException("no id");
        }
        if (m.recipients() == null || m.recipients().isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        if (m.contentBase64() == null) {
            throw new IllegalArgumentException("no content");
        }
        return m;
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
