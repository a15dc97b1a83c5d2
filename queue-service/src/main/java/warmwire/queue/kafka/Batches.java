package warmwire.queue.kafka;

import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * NAME
 *   Batches - the two ends of a consumed batch: its records in, its acknowledgement out.
 * DESCRIPTION
 *   {@link #records} gives the Kafka records of a SmallRye batch (one poll, {@code batch=true})
 *   as the client returned them, in offset order per partition. {@link #settle} acknowledges
 *   the batch once everything it caused is acknowledged by the broker, and nacks it with the
 *   cause otherwise; the channel's commit strategy then commits its offsets (ack) or its
 *   failure strategy stops consumption (nack) so that nothing is lost.
 */
public final class Batches {
    private Batches() {
    }

    /** The batch's records. */
    @SuppressWarnings("unchecked")
    public static Iterable<ConsumerRecord<String, String>> records(KafkaRecordBatch<String, String> batch) {
        Optional<IncomingKafkaRecordBatchMetadata> meta = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class);
        return meta.orElseThrow(() -> new IllegalStateException("not a Kafka batch: " + batch)).getRecords();
    }

    /** Acks {@code batch} when {@code sent} completes normally, nacks it when it fails. */
    public static CompletionStage<Void> settle(Message<?> batch, CompletionStage<Void> sent) {
        return sent.handle((v, error) -> error == null ? batch.ack() : batch.nack(unwrap(error)))
                .thenCompose(stage -> stage);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
