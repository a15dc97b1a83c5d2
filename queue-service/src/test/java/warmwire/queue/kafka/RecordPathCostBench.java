package warmwire.queue.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import warmwire.contracts.Topics;
import warmwire.queue.outcome.OutcomeBench;

/**
 * NAME
 *   RecordPathCostBench - CPU per record of the outcome path, without Kafka.
 * SYNOPSIS
 *   ./mvnw -o -pl queue-service test -Dtest=RecordPathCostBench -Dwarmwire.bench=true
 * DESCRIPTION
 *   Feeds batches of 500 records (as one poll) through OutcomeReporter (intake is
 *   delivery-service's now): read, build the output records, serialize, hand them to a MockProducer that acknowledges
 *   at once, settle the batch. Prints this thread's CPU time per input record after a warm-up.
 *   What it leaves out, and the mesh pays: the Kafka client (fetch, produce, compression),
 *   the loop's transactions, log output (logging is what the test's log
 *   configuration makes it) and Infinispan I/O. Disabled unless -Dwarmwire.bench=true.
 */
@EnabledIfSystemProperty(named = "warmwire.bench", matches = "true")
class RecordPathCostBench {
    private static final int BATCH = 500;
    private final ObjectMapper mapper = Fixtures.mapper();

    private static double cpuMicrosPerRecord(List<List<ConsumerRecord<String, String>>> batches, BatchPath path,
                                             int rounds) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < rounds; i++) { // warm-up
            for (List<ConsumerRecord<String, String>> b : batches) {
                path.run(b);
            }
        }
        long records = 0;
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < rounds; i++) {
            for (List<ConsumerRecord<String, String>> b : batches) {
                path.run(b);
                records += b.size();
            }
        }
        return (mx.getCurrentThreadCpuTime() - t0) / 1000.0 / records;
    }

    private static List<List<ConsumerRecord<String, String>>> batches(String topic, int n,
                                                                       java.util.function.IntFunction<String> value) {
        List<List<ConsumerRecord<String, String>>> out = new ArrayList<>();
        for (int i = 0; i < n; i += BATCH) {
            List<ConsumerRecord<String, String>> b = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + BATCH); j++) {
                b.add(Fixtures.record(topic, j % 6, j, 1_764_324_000_000L + j, "k" + j, value.apply(j)));
            }
            out.add(b);
        }
        return out;
    }

    static String outcome(int i) {
        return "{\"messageId\":\"g-" + i + "\",\"jobId\":\"g-" + i + "/1/x.test:25/may\",\"attempt\":1,"
                + "\"site\":\"x.test:25/may\",\"relay\":\"mx.x.test[127.0.0.1]:25\",\"results\":["
                + "{\"recipient\":\"a" + i + "@x.test\",\"status\":\"delivered\",\"smtp\":{\"code\":250,"
                + "\"enhanced\":\"2.0.0\",\"text\":\"2.0.0 Ok: queued as ABC123\"}}],"
                + "\"tls\":{\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\",\"resumed\":false,"
                + "\"verified\":false},\"connectionUse\":3,\"delays\":{\"queue\":0.01,\"route\":0.002,"
                + "\"connect\":0.0,\"transmit\":0.01},\"timestamp\":\"2026-11-28T10:00:00Z\"}";
    }

    @Test
    void cpuPerRecord() throws Exception {
        MockProducer<String, byte[]> kafka = new MockProducer<>(true, null, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        QueueProducer producer = new QueueProducer(kafka);
        Fixtures.Cache cache = new Fixtures.Cache(false);
        BatchPath outcome = OutcomeBench.path(mapper, cache.index(), producer);

        double out = cpuMicrosPerRecord(batches(Topics.OUTCOME, 5_000, RecordPathCostBench::outcome), b -> {
            outcome.run(b);
            kafka.clear();
        }, 8);
        System.out.printf("RecordPathCostBench: outcome %.1f us/record (1 recipient), pure code paths without the Kafka"
                + " client%n", out);
        assertEquals(0, kafka.history().size());
    }
}
