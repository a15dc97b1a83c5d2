package warmwire.delivery.tlsrpt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import warmwire.contracts.KafkaClients;
import warmwire.contracts.Topics;
import warmwire.contracts.check.Checked;
import warmwire.contracts.check.DeadLetterProducer;
import warmwire.contracts.check.InternalDeadLetter;
import warmwire.contracts.check.TlsResultCheck;
import warmwire.contracts.tlsrpt.TlsResult;
import warmwire.delivery.DeliveryConfig;
import warmwire.delivery.mx.DnsLookup;

/**
 * NAME
 *   TlsReportLoop - counts mail.tls-results per policy domain and period, and writes each
 *   closed period's TLS reports (RFC 8460) to mail.tlsrpt, exactly once.
 * DESCRIPTION
 *   A plain Kafka loop on its own thread: consumer group {@value #GROUP} (read_committed),
 *   transactional producer {@code warmwire.tlsrpt.transactional-id}. Every record is judged by
 *   {@link TlsResultCheck} (an invalid one becomes a dead letter on mail.internal.dlq in the
 *   next transaction) and counted in the {@link ReportBook}. When a period has ended and
 *   {@code warmwire.tlsrpt.grace} has passed (late results of slow deliveries), its reports go
 *   out in one transaction with the consumer offsets where the next period begins: a crash
 *   before the commit reads the period again and writes the same reports once; a crash after
 *   it never reads the period again. A record is read at most a period and a grace before it is
 *   committed, so the loop holds counts, never records.
 *
 *   Each report is the RFC 8460 JSON ({@link TlsReportWriter}), key = policy domain; header
 *   {@value Topics#HEADER_RUA}: the {@code rua} of the domain's {@code _smtp._tls} TXT record
 *   ({@code v=TLSRPTv1; rua=mailto:...}), looked up when the report is written; absent when the
 *   domain publishes none (the report is still written: for the operator). With
 *   {@code warmwire.tlsrpt.mail-from} set, a report whose rua has {@code mailto:} addresses is
 *   also submitted to mail.submit as the mail RFC 8460 section 5.3 describes ({@link ReportMail}),
 *   in the same transaction: Warmwire delivers its own reports.
 *
 *   On a rebalance the book is emptied: the partitions' records are read again from their
 *   committed offsets by whoever owns them now.
 */
@ApplicationScoped
public class TlsReportLoop {
    private static final Logger LOG = Logger.getLogger(TlsReportLoop.class);
    static final String GROUP = "warmwire-tlsrpt";

    @Inject
    DeliveryConfig config;

    @Inject
    ObjectMapper json;

    @Inject
    DnsLookup dns;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final AtomicBoolean running = new AtomicBoolean();
    private Thread thread;

    void onStart(@Observes StartupEvent ev) {
        DeliveryConfig.Tlsrpt c = config.tlsrpt();
        if (!c.enabled() || !config.routing().enabled()) {
            return;
        }
        running.set(true);
        thread = new Thread(this::run, "tlsrpt-loop");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("TLS reports: %s -> %s every %s (grace %s), group %s, transactional id %s", Topics.TLS_RESULTS,
                Topics.TLSRPT, c.period(), c.grace(), GROUP, c.transactionalId());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent ev) {
        if (thread == null) {
            return;
        }
        running.set(false);
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running.get()) {
            try {
                loop();
            } catch (RuntimeException e) {
                LOG.errorf(e, "TLS report loop failed; starting again in 5 s (unreported periods are read again)");
                sleep(5000);
            }
        }
    }

    private void loop() {
        DeliveryConfig.Tlsrpt c = config.tlsrpt();
        ReportBook book = new ReportBook(c.period().toMillis(), c.maxDomains());
        TlsReportWriter writer = new TlsReportWriter(json, c.organizationName(), c.contactInfo());
        Map<String, Object> cp = KafkaClients.groupConsumer(kafka, GROUP, "warmwire-tlsrpt");
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        Map<String, Object> pp = new HashMap<>(KafkaClients.connection(kafka));
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, c.transactionalId());
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, c.transactionalId());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORD_BYTES);
        pp.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        pp.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        Set<Integer> assigned = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.subscribe(List.of(Topics.TLS_RESULTS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    book.clear();
                    assigned.clear();
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    book.clear();
                    assigned.clear();
                    consumer.assignment().forEach(tp -> assigned.add(tp.partition()));
                }
            });
            List<ProducerRecord<String, byte[]>> deadLetters = new java.util.ArrayList<>();
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    Instant now = Clock.systemUTC().instant();
                    Checked<TlsResult> checked = TlsResultCheck.check(r.value(), now);
                    if (!checked.isValid()) {
                        LOG.errorf("invalid record on %s dead-lettered: partition %d, offset %d: %s", r.topic(),
                                r.partition(), r.offset(), checked.reason());
                        deadLetters.add(DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(),
                                r.offset(), r.key(), "delivery-service", checked.reason(), r.value(), now)));
                        continue;
                    }
                    book.add(r.partition(), r.offset(), r.timestamp(), now.toEpochMilli(), checked.value());
                }
                long now = System.currentTimeMillis();
                for (long p : book.due(now, c.grace().toMillis())) {
                    publish(book, book.close(p), writer, producer, consumer, assigned, deadLetters);
                    deadLetters.clear();
                }
                if (book.isEmpty() && !deadLetters.isEmpty()) {
                    publish(book, new ReportBook.Closed(-1, Map.of()), writer, producer, consumer, assigned, deadLetters);
                    deadLetters.clear();
                }
            }
        }
    }

    private void publish(ReportBook book, ReportBook.Closed closed, TlsReportWriter writer,
                         KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> consumer,
                         Set<Integer> assigned, List<ProducerRecord<String, byte[]>> deadLetters) {
        Instant start = Instant.ofEpochMilli(book.periodStartMs(closed.period()));
        Instant end = Instant.ofEpochMilli(book.periodStartMs(closed.period() + 1));
        producer.beginTransaction();
        try {
            for (Map.Entry<String, List<ReportBook.PolicyCounts>> d : closed.domains().entrySet()) {
                ObjectNode report = writer.report(d.getKey(), start, end, d.getValue());
                ProducerRecord<String, byte[]> rec = new ProducerRecord<>(Topics.TLSRPT, d.getKey(),
                        json.writeValueAsBytes(report));
                String rua = rua(d.getKey());
                if (rua != null) {
                    rec.headers().add(Topics.HEADER_RUA, rua.getBytes(StandardCharsets.UTF_8));
                }
                producer.send(rec);
                List<String> to = rua == null ? List.of() : ReportMail.recipients(rua);
                String from = config.tlsrpt().mailFrom().filter(f -> !f.isBlank()).orElse(null);
                if (from != null && !to.isEmpty()) { // mailed through Warmwire itself, in the same transaction
                    producer.send(new ProducerRecord<>(Topics.SUBMIT, d.getKey(), ReportMail.submission(json, report,
                            d.getKey(), config.tlsrpt().organizationName(), from, to, start, end, Instant.now())));
                }
            }
            deadLetters.forEach(producer::send);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            book.commitOffsets(assigned, tp -> consumer.position(new TopicPartition(Topics.TLS_RESULTS, tp)))
                    .forEach((tp, o) -> offsets.put(new TopicPartition(Topics.TLS_RESULTS, tp), new OffsetAndMetadata(o)));
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            if (!closed.domains().isEmpty()) {
                LOG.infof("TLS reports for %s .. %s: %d domain(s) %s%s", start, end, closed.domains().size(),
                        closed.domains().keySet(), book.overflow() > 0 ? "; results of " + book.overflow()
                                + " beyond warmwire.tlsrpt.max-domains not reported" : "");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            producer.abortTransaction();
            throw new IllegalStateException("TLS reports for " + start + " not written: " + e, e);
        }
    }

    /** The rua of {@code domain}'s {@code _smtp._tls} record (RFC 8460 section 3), or null. */
    private String rua(String domain) {
        try {
            List<String> txt = dns.txt("_smtp._tls." + domain).await().atMost(Duration.ofSeconds(10)).records();
            return TlsRptRecord.rua(txt);
        } catch (RuntimeException e) {
            LOG.debugf("no _smtp._tls record for %s: %s", domain, e.toString());
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
