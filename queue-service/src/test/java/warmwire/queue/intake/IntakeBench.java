package warmwire.queue.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.kafka.Fixtures;
import warmwire.queue.kafka.QueueProducer;

/** Access for warmwire.queue.kafka.RecordPathCostBench to Intake's package-private batch path. */
public final class IntakeBench {
    private IntakeBench() {
    }

    public static warmwire.queue.kafka.BatchPath path(ObjectMapper mapper, QueueIndex index,
                                           QueueProducer producer) {
        Intake intake = new Intake(mapper, Fixtures.config(), index);
        // the poll's values as the intake reads them, bytes (the copy is counted with the path)
        return batch -> producer.sendAll(intake.records(batch.stream().map(r -> Fixtures.submitted(r.partition(), r.offset(),
                r.timestamp(), r.key(), r.value())).toList(), index.batch(), java.time.Instant.now())).join();
    }
}
