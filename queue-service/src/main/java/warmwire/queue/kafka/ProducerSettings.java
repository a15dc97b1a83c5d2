package warmwire.queue.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/**
 * NAME
 *   ProducerSettings - tuning of the shared producer, prefix {@code warmwire.producer}.
 * DESCRIPTION
 *   Only throughput knobs are configurable. What guards against loss is fixed in
 *   {@link QueueProducer}: acks=all, idempotence on, unbounded retries within the delivery
 *   timeout. Every key is documented in application.properties.
 */
@ConfigMapping(prefix = "warmwire.producer")
public interface ProducerSettings {

    /** How long a partition's batch waits for more records before it is sent (linger.ms). */
    @WithDefault("5ms")
    Duration linger();

    /** Upper bound of one partition batch in bytes (batch.size). */
    @WithName("batch-size")
    @WithDefault("524288")
    int batchSize();

    /** Compression of record batches (compression.type). */
    @WithDefault("lz4")
    String compression();

    /** Largest request, so the largest record (max.request.size). */
    @WithName("max-request-size")
    @WithDefault("16777216")
    int maxRequestSize();

    /** Memory for records waiting to be sent; a full buffer makes send() wait (buffer.memory). */
    @WithName("buffer-memory")
    @WithDefault("67108864")
    long bufferMemory();

    /** Give up a send after this long, retries included; the batch is then nacked (delivery.timeout.ms). */
    @WithName("delivery-timeout")
    @WithDefault("120s")
    Duration deliveryTimeout();
}
