package warmwire.queue.kafka;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One consumed batch through a record path, to its settled end (benchmarks). */
@FunctionalInterface
public interface BatchPath {
    void run(List<ConsumerRecord<String, String>> batch) throws Exception;
}
