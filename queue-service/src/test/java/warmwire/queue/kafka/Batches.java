package warmwire.queue.kafka;

import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Tests: acks a message when {@code sent} completes normally, nacks it when it fails (as a consumer of the record paths would). */
public final class Batches {
    private Batches() {
    }

    public static CompletionStage<Void> settle(Message<?> batch, CompletionStage<Void> sent) {
        return sent.handle((v, error) -> error == null ? batch.ack() : batch.nack(unwrap(error)))
                .thenCompose(stage -> stage);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
