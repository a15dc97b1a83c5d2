package warmwire.session.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.management.OperatingSystemMXBean;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.outcome.Delays;
import warmwire.contracts.outcome.DeliveryOutcome;
import warmwire.contracts.outcome.RecipientResult;
import warmwire.contracts.outcome.SmtpReply;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.outcome.TlsInfo;
import warmwire.contracts.route.DeliveryJob;
import warmwire.contracts.route.Endpoint;
import warmwire.contracts.route.Site;

/**
 * A micro loop over the consumer's own work per record (no SMTP, no broker): job JSON -> job,
 * body decode, outcome JSON, hand-off to the publisher's thread, send, ack. Prints process CPU
 * per record for the current path and for the former one's pieces (String record, MIME
 * decoder, String outcome + StringSerializer). Not a test: run with
 * {@code ./mvnw -pl tls-session-service test -Dtest=ConsumerPathBench -Dwarmwire.bench=true}.
 */
@EnabledIfSystemProperty(named = "warmwire.bench", matches = "true")
class ConsumerPathBench {
    private static final int N = Integer.getInteger("warmwire.bench.records", 100_000);

    private final ObjectMapper mapper = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private static DeliveryJob job(int size) {
        byte[] body = new byte[size];
        new Random(1).nextBytes(body);
        Instant now = Instant.now();
        return new DeliveryJob("m1/1/mx1.example.com:25/encrypt", "m1", new Site(List.of("mx1.example.com"), 25, TlsLevel.ENCRYPT),
                List.of(new Endpoint("mx1.example.com", "192.0.2.1", 25, 10)), "sender@example.org", List.of("u1@d1.example"),
                Base64.getEncoder().encodeToString(body), TlsLevel.ENCRYPT, 1, now, now, 0.002);
    }

    private static DeliveryOutcome outcome(DeliveryJob j) {
        return new DeliveryOutcome(j.messageId(), j.jobId(), 1, j.site().key(), "mx1.example.com[192.0.2.1]:25",
                List.of(new RecipientResult("u1@d1.example", Status.DELIVERED, new SmtpReply(250, "2.0.0", "Ok: queued as 4F2Q"),
                        "2.0.0", null)), new TlsInfo("TLSv1.3", "TLS_AES_256_GCM_SHA384", true, true), 7,
                new Delays(0.01, 0.002, 0, 0.004), Instant.now());
    }

    interface Loop {
        void run(int i) throws Exception;
    }

    private static double cpuMicrosPerRecord(Loop loop, Runnable settle) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        for (int i = 0; i < N; i++) {
            loop.run(i);
        }
        settle.run();
        return (os.getProcessCpuTime() - c0) / 1000.0 / N;
    }

    @Test
    void consumerPath() throws Exception {
        DeliveryJob j = job(5120);
        byte[] record = mapper.writeValueAsBytes(j);
        DeliveryOutcome done = outcome(j);
        System.out.printf("job record %d bytes, outcome %d bytes, %d records per run%n", record.length,
                mapper.writeValueAsBytes(done).length, N);

        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        OutcomePublisher publisher = new OutcomePublisher(producer, "mail.outcome", Duration.ofSeconds(5));
        AtomicInteger acks = new AtomicInteger();
        DeliveryJobConsumer consumer = new DeliveryJobConsumer(mapper, job -> {
            byte[] body = DeliveryAgent.body(job.contentBase64());
            return Future.succeededFuture(body.length > 0 ? done : null);
        }, new InFlightLimit(1_000_000), publisher, new DoneJobs(null));
        Message<byte[]> msg = Message.of(record, () -> {
            acks.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });

        ObjectMapper m = mapper;
        StringSerializer strings = new StringSerializer();
        String recordText = new String(record, StandardCharsets.UTF_8);
        Object[] sink = new Object[1];
        for (int round = 1; round <= 4; round++) {
            int base = acks.get();
            double now = cpuMicrosPerRecord(i -> {
                consumer.onJob(msg);
                if (i % 1000 == 999) {
                    producer.clear(); // MockProducer keeps a history; do not let it grow
                }
            }, () -> {
                while (acks.get() - base < N) {
                    Thread.onSpinWait();
                }
            });
            double parseOld = cpuMicrosPerRecord(i -> sink[0] = m.readValue(new String(record, StandardCharsets.UTF_8),
                    DeliveryJob.class), () -> { });
            double parseNew = cpuMicrosPerRecord(i -> sink[0] = m.readerFor(DeliveryJob.class).readValue(record), () -> { });
            double mime = cpuMicrosPerRecord(i -> sink[0] = Base64.getMimeDecoder().decode(j.contentBase64()), () -> { });
            double plain = cpuMicrosPerRecord(i -> sink[0] = DeliveryAgent.body(j.contentBase64()), () -> { });
            double writeOld = cpuMicrosPerRecord(i -> sink[0] = strings.serialize("mail.outcome", m.writeValueAsString(done)),
                    () -> { });
            double writeNew = cpuMicrosPerRecord(i -> sink[0] = m.writerFor(DeliveryOutcome.class).writeValueAsBytes(done),
                    () -> { });
            System.out.printf("round %d: consumer path (parse, decode, outcome JSON, publish, ack) %.2f us/record; "
                            + "parse String %.2f vs bytes %.2f; decode MIME %.2f vs plain %.2f; outcome String+serializer %.2f vs bytes %.2f%n",
                    round, now, parseOld, parseNew, mime, plain, writeOld, writeNew);
            if (sink[0] == null || recordText.isEmpty()) {
                throw new AssertionError();
            }
        }
        publisher.close();
    }
}
