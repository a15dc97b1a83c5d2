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
 *   out in one transaction with the consumer offsets where the next period begins and the
 *   number of the last closed period ({@link ReportBook}): a crash before the commit reads the
 *   period again and writes the same reports once; a crash after it never counts its records
 *   again. A period closes only when every assigned partition has been read to its end, so a
 *   loop that lags or restarts after a day never reports part of it. The loop holds counts,
 *   and at most {@value #MAX_PENDING_DEAD_LETTERS} dead letters until their transaction.
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
    /** Dead letters held until their transaction (each up to 64 KiB of its record); beyond, reading waits. */
    static final int MAX_PENDING_DEAD_LETTERS = 100;

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
        List<ProducerRecord<String, byte[]>> deadLetters = new java.util.ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            consumer.subscribe(List.of(Topics.TLS_RESULTS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    book.clear();
                    assigned.clear();
                    deadLetters.clear(); // their records are read again by the partitions' next owner
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    book.clear();
                    assigned.clear();
                    deadLetters.clear();
                    consumer.assignment().forEach(tp -> assigned.add(tp.partition()));
                    consumer.committed(consumer.assignment()).values().forEach(o -> {
                        if (o != null) {
                            book.closedAtLeast(o.metadata());
                        }
                    });
                }
            });
            while (running.get()) {
                Set<Integer> rewound = new HashSet<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    if (rewound.contains(r.partition())) {
                        continue; // read again after the rewind
                    }
                    Checked<TlsResult> checked = TlsResultCheck.check(r.value(), Clock.systemUTC().instant());
                    if (checked.isValid()) {
                        book.add(r.partition(), r.offset(), r.timestamp(), checked.value());
                        continue;
                    }
                    LOG.errorf("invalid record on %s dead-lettered: partition %d, offset %d: %s", r.topic(), r.partition(),
                            r.offset(), checked.reason());
                    if (deadLetters.size() < MAX_PENDING_DEAD_LETTERS) {
                        deadLetters.add(DeadLetterProducer.record(InternalDeadLetter.of(r.topic(), r.partition(),
                                r.offset(), r.key(), "delivery-service", checked.reason(), r.value(), Instant.now())));
                    } else {
                        // not held: read again (and dead-lettered then) once the pending ones are committed
                        consumer.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
                        rewound.add(r.partition());
                    }
                }
                List<Long> due = book.due(System.currentTimeMillis(), c.grace().toMillis());
                if (!due.isEmpty() && caughtUp(consumer)) {
                    for (long p : due) {
                        publish(book, book.close(p), writer, producer, consumer, assigned, deadLetters);
                        deadLetters.clear();
                    }
                } else if (book.isEmpty() && !deadLetters.isEmpty()) {
                    publish(book, new ReportBook.Closed(-1, Map.of()), writer, producer, consumer, assigned, deadLetters);
                    deadLetters.clear();
                }
            }
        }
    }

    /**
     * Whether every assigned partition has been read to its end (the last stable offset): a
     * period closes only then, so a lagging or restarted loop never reports part of a day.
     */
    private static boolean caughtUp(KafkaConsumer<String, byte[]> consumer) {
        Set<TopicPartition> tps = consumer.assignment();
        if (tps.isEmpty()) {
            return false;
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(tps, Duration.ofSeconds(30));
        for (TopicPartition tp : tps) {
            if (consumer.position(tp) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    private void publish(ReportBook book, ReportBook.Closed closed, TlsReportWriter writer,
                         KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> consumer,
                         Set<Integer> assigned, List<ProducerRecord<String, byte[]>> deadLetters) {
        Instant start = Instant.ofEpochMilli(book.periodStartMs(closed.period()));
        Instant end = Instant.ofEpochMilli(book.periodStartMs(closed.period() + 1));
        // the rua lookups first, all at once and bounded: nothing slow runs inside the transaction
        Map<String, String> ruas = ruas(closed.domains().keySet());
        String from = config.tlsrpt().mailFrom().filter(f -> !f.isBlank()).orElse(null);
        producer.beginTransaction();
        try {
            for (Map.Entry<String, List<ReportBook.PolicyCounts>> d : closed.domains().entrySet()) {
                ObjectNode report = writer.report(d.getKey(), start, end, d.getValue());
                ProducerRecord<String, byte[]> rec = new ProducerRecord<>(Topics.TLSRPT, d.getKey(),
                        json.writeValueAsBytes(report));
                String rua = ruas.get(d.getKey());
                if (rua != null) {
                    rec.headers().add(Topics.HEADER_RUA, rua.getBytes(StandardCharsets.UTF_8));
                }
                producer.send(rec);
                List<String> to = rua == null ? List.of() : ReportMail.recipients(rua);
                if (from != null && !to.isEmpty()) { // mailed through Warmwire itself, in the same transaction
                    producer.send(new ProducerRecord<>(Topics.SUBMIT, d.getKey(), ReportMail.submission(json, report,
                            d.getKey(), config.tlsrpt().organizationName(), from, to, start, end, Instant.now())));
                }
            }
            deadLetters.forEach(producer::send);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            String metadata = book.commitMetadata();
            book.commitOffsets(assigned, tp -> consumer.position(new TopicPartition(Topics.TLS_RESULTS, tp)))
                    .forEach((tp, o) -> offsets.put(new TopicPartition(Topics.TLS_RESULTS, tp), new OffsetAndMetadata(o, metadata)));
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

    /** The rua of each domain that has one, looked up at once; at most 10 s in all. */
    private Map<String, String> ruas(Set<String> domains) {
        Map<String, String> out = new java.util.concurrent.ConcurrentHashMap<>();
        if (domains.isEmpty()) {
            return out;
        }
        List<io.smallrye.mutiny.Uni<Void>> lookups = domains.stream().map(d -> dns.txt("_smtp._tls." + d)
                .onItem().invoke(a -> {
                    String rua = TlsRptRecord.rua(a.records());
                    if (rua != null) {
                        out.put(d, rua);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithNull()).toList();
        try {
            io.smallrye.mutiny.Uni.join().all(lookups).andCollectFailures().await().atMost(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warnf("rua lookups for %d domain(s) not all done within 10 s: reports without rua for the rest", domains.size());
        }
        return new HashMap<>(out);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
