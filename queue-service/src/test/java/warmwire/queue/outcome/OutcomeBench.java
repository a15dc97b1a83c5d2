package warmwire.queue.outcome;

import com.fasterxml.jackson.databind.ObjectMapper;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.kafka.Fixtures;
import warmwire.queue.kafka.QueueProducer;

/** Access for warmwire.queue.kafka.RecordPathCostBench to OutcomeReporter's package-private batch path. */
public final class OutcomeBench {
    private OutcomeBench() {
    }

    public static warmwire.queue.kafka.BatchPath path(ObjectMapper mapper, QueueIndex index,
                                           QueueProducer producer) {
        OutcomeReporter reporter = new OutcomeReporter(mapper, index, Fixtures.config(), producer);
        return batch -> reporter.publish(batch).join();
    }
}
