package warmwire.delivery.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;
import warmwire.contracts.Topics;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.QueuedMessageCheck;
import warmwire.contracts.check.RecordLimits;
import warmwire.contracts.mail.QueuedMessage;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.DeliveryLogLine;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.text.BoundedText;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.DeliveryConfig;
import warmwire.delivery.dkim.Signing;
import warmwire.delivery.intake.Intake;
import warmwire.delivery.mx.Route;
import warmwire.pipeline.ExactlyOnceLoop;

/**
 * NAME
 *   Dispatcher - the work of the first hop: a submission or a queued message in, its delivery
 *   jobs and routing outcome out.
 * DESCRIPTION
 *   The dispatch loop (an {@link ExactlyOnceLoop}, {@link DispatchLoop}) hands each poll's
 *   mail.submit and mail.route records here. A poll's submissions are judged by
 *   {@link Intake} as one batch: an accepted message is routed at once, a rejected one ends in
 *   the records intake gives (dead letter, rejected events). A mail.route record (a retry or a
 *   notice queued by queue-service) is judged by {@link QueuedMessageCheck} first: one
 *   that is not valid for mail.route (which only happens if something other than queue-service
 *   writes to the internal topic) becomes a dead letter on mail.internal.dlq with its reason,
 *   counted ({@code warmwire_records_dead_lettered_total{topic,service="delivery-service"}}).
 *   A valid message is routed with all its domains' lookups in parallel (nothing blocks a
 *   thread while DNS answers, and a slow answer holds back no other message); its output is one
 *   job per site on mail.deliver (key = site key) and, when recipients could not be routed, one
 *   outcome on mail.outcome (key = message id). The loop commits the output with the record's
 *   commit point in one Kafka transaction: a submission is judged and routed exactly once,
 *   across crashes, with no internal topic between the two.
 *   A message whose routing fails internally (a bug, never DNS: DNS failures are outcomes)
 *   becomes a dead letter too, rather than stall its partition.
 *   Before it is routed, a message is signed with DKIM by the signers that apply to it
 *   ({@link Signing}), once: the jobs carry the signed body, and so does a retry. When a required
 *   signer cannot sign, every recipient is deferred (4.7.0) with the reason, and nothing is sent.
 */
@ApplicationScoped
public class Dispatcher implements ExactlyOnceLoop.Work<byte[], byte[]> {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    /** RFC 3463 X.7.0, other security status: a required DKIM signature could not be made. */
    static final String SIGNING_FAILED = "4.7.0";

    /** The {@code service} of delivery-service's dead letters. */
    static final String SERVICE = "delivery-service";

    @Inject
    ObjectMapper mapper;

    @Inject
    DeliveryConfig config;

    @Inject
    DomainRouter router;

    @Inject
    MeterRegistry registry;

    @Inject
    Signing signing;

    @Inject
    warmwire.contracts.shape.Providers providers;

    @Inject
    Intake intake;

    @Override
    public void start(List<ConsumerRecord<String, byte[]>> records, ExactlyOnceLoop.Results<byte[]> results) {
        RecordLimits limits = new RecordLimits(Math.max(1, config.intake().maxRecipients()));
        Instant now = Instant.now();
        List<ConsumerRecord<String, byte[]>> submitted = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (Topics.SUBMIT.equals(r.topic())) {
                submitted.add(r);
                continue;
            }
            Checked<QueuedMessage> checked = QueuedMessageCheck.check(r.value(), limits, now);
            if (!checked.isValid()) {
                LOG.errorf("%s: not a valid queued message, dead-lettered: %s", position(r), logSafe(checked.reason()));
                results.finished(r, List.of(deadLetter(r, checked.reason(), now)));
                continue;
            }
            routeAndFinish(r, checked.value(), results);
        }
        if (submitted.isEmpty()) {
            return;
        }
        List<Intake.Judged> judged;
        try {
            judged = intake.judge(submitted, now);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("submissions not judged: " + e, e); // the loop starts over
        }
        for (int i = 0; i < submitted.size(); i++) {
            Intake.Judged j = judged.get(i);
            if (j.accepted() == null) {
                results.finished(submitted.get(i), j.out());
            } else {
                routeAndFinish(submitted.get(i), j.accepted(), results);
            }
        }
    }

    /** Routes {@code m}, read from {@code r}, and reports its records; a failure dead-letters {@code r}. */
    private void routeAndFinish(ConsumerRecord<String, byte[]> r, QueuedMessage m, ExactlyOnceLoop.Results<byte[]> results) {
        route(m).subscribe().with(out -> results.finished(r, out), e -> {
            LOG.errorf(e, "%s: %s: not routed (%s): dead-lettered", logSafe(m.id()), position(r), e.getMessage());
            results.finished(r, List.of(deadLetter(r, "internal error while routing: " + e, Instant.now())));
        });
    }

    /** The records routing {@code m} causes; never fails for DNS (failures are outcomes). */
    Uni<List<ProducerRecord<String, byte[]>>> route(QueuedMessage queued) {
        Instant started = Instant.now();
        Set<String> domains = new LinkedHashSet<>();
        for (String rcpt : queued.recipients()) {
            String d = RoutePlanner.domainOf(rcpt);
            if (d != null) {
                domains.add(d);
            }
        }
        List<String> order = List.copyOf(domains);
        Signing.Result signed = signing.sign(queued, started);
        if (signed instanceof Signing.Result.Failed f) {
            LOG.warnf("%s: not signed, deferred: %s", logSafe(queued.id()), logSafe(f.reason()));
            Map<String, Route> deferred = new LinkedHashMap<>();
            order.forEach(d -> deferred.put(d, new Route.Failure(Status.DEFERRED, SIGNING_FAILED, f.reason())));
            return Uni.createFrom().item(records(RoutePlanner.plan(queued, deferred, config.tls().level(), started,
                    Instant.now())));
        }
        QueuedMessage m = ((Signing.Result.Ready) signed).message();
        TlsLevel level = m.tls() != null ? m.tls() : config.tls().level();
        // REQUIRETLS (RFC 8689 4.2.1): MX hosts validated by DNSSEC (DANE) or MTA-STS; DANE is
        // looked up for such a message below the verified levels. Without it, "TLS-Required: No"
        // asks that the receiving domains' policies be ignored (section 5).
        TlsLevel routeLevel = m.requireTls() && !level.dane() && level.compareTo(TlsLevel.VERIFY) < 0 ? TlsLevel.DANE : level;
        boolean published = m.requireTls() || !TlsRequiredHeader.saysNo(m.content());
        Uni<Map<String, Route>> routes = order.isEmpty() ? Uni.createFrom().item(Map.of())
                : Uni.join().all(order.stream().map(d -> router.route(d, routeLevel, published)).toList()).andFailFast().map(list -> {
                    Map<String, Route> byDomain = new LinkedHashMap<>();
                    for (int i = 0; i < order.size(); i++) {
                        byDomain.put(order.get(i), list.get(i));
                    }
                    return byDomain;
                });
        return routes.map(r -> records(RoutePlanner.plan(m, r, config.tls().level(),
                d -> config.tls().secureMatch().getOrDefault(d, List.of()), providers, started, Instant.now())));
    }

    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<String, byte[]> r, String reason, Instant now) {
        if (registry != null) {
            Counter.builder("warmwire.records.dead.lettered").tag("topic", r.topic()).tag("service", SERVICE)
                    .description("internal records not valid for their topic, written to mail.internal.dlq")
                    .register(registry).increment();
        }
        return DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(), r.offset(), r.key(), SERVICE,
                reason, r.value(), now));
    }

    /** Client-supplied ids and addresses, and reasons quoting DNS names, cut and escaped for one log line. */
    static String logSafe(String s) {
        return BoundedText.escape(BoundedText.truncate(s, BoundedText.MAX_REASON));
    }

    private List<ProducerRecord<String, byte[]>> records(Plan plan) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(plan.jobs().size() + 1);
        for (DeliveryJob job : plan.jobs()) {
            if (LOG.isInfoEnabled()) {
                LOG.info(logSafe(job.messageId()) + ": to=<" + logSafe(String.join(">,<", job.recipients())) + ">, site="
                        + logSafe(job.site().key()) + (job.site().provider() == null ? "" : ", provider=" + job.site().provider())
                        + ", relay=" + logSafe(job.endpoints().get(0).relay()) + ", delays="
                        + DeliveryLogLine.seconds(job.routeSeconds()) + " (routed)"); // no Formatter: one per job was 2 % of this service's CPU
            }
            out.add(new ProducerRecord<>(Topics.DELIVER, job.site().shardKey(), framed(job)));
        }
        DeliveryOutcome o = plan.outcome();
        if (o != null) {
            for (RecipientResult r : o.results()) {
                LOG.infof("%s: to=<%s>, relay=none, dsn=%s, status=%s (%s)", logSafe(o.messageId()),
                        logSafe(r.recipient()), r.dsn(), r.status().wireName(), logSafe(r.reason()));
            }
            out.add(new ProducerRecord<>(Topics.OUTCOME, o.messageId(), json(o)));
        }
        for (TlsResult t : plan.tlsResults()) { // what routing found for the domains' TLS reports
            out.add(new ProducerRecord<>(Topics.TLS_RESULTS, t.policyDomain(), json(t)));
        }
        return out;
    }

    private byte[] json(Object o) {
        try {
            return mapper.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + o.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** The job's envelope as JSON, then its body as it is (mail.deliver carries no base64). */
    private byte[] framed(DeliveryJob job) {
        try {
            return job.framed(mapper.writer());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the job as JSON", e);
        }
    }

    private static String position(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "@" + r.offset();
    }
}
