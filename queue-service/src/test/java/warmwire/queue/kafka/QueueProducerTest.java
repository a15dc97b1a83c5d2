package warmwire.queue.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.Test;

class QueueProducerTest {
    private static List<ProducerRecord<String, byte[]>> three() {
        return List.of(new ProducerRecord<>("mail.events", "a", new byte[] {'1'}),
                new ProducerRecord<>("mail.route", "b", new byte[] {'2'}), new ProducerRecord<>("mail.events", "c", new byte[] {'3'}));
    }

    @Test
    void batchIsAckedOnlyAfterTheBrokerAckedEveryRecord() {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        Fixtures.Acks batch = new Fixtures.Acks();
        CompletionStage<Void> settled = Batches.settle(batch.message, new QueueProducer(kafka).sendAll(three()));
        assertEquals(3, kafka.history().size());
        assertTrue(kafka.completeNext());
        assertTrue(kafka.completeNext());
        assertEquals(0, batch.acks.get(), "acked before the last send was acknowledged");
        assertTrue(kafka.completeNext());
        settled.toCompletableFuture().join();
        assertEquals(1, batch.acks.get());
        assertEquals(0, batch.nacks.get());
    }

    @Test
    void oneFailedSendNacksTheBatchAndNothingIsAcked() {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        Fixtures.Acks batch = new Fixtures.Acks();
        CompletionStage<Void> settled = Batches.settle(batch.message, new QueueProducer(kafka).sendAll(three()));
        assertTrue(kafka.completeNext());
        NotEnoughReplicasException broker = new NotEnoughReplicasException("min.insync.replicas not met");
        assertTrue(kafka.errorNext(broker));
        assertTrue(kafka.completeNext());
        settled.toCompletableFuture().join();
        assertEquals(0, batch.acks.get());
        assertEquals(1, batch.nacks.get());
        assertSame(broker, batch.reason);
    }

    @Test
    void aRecordRefusedAtOnceFailsTheBatch() {
        MockProducer<String, byte[]> kafka = Fixtures.producer();
        kafka.close();
        CompletableFuture<Void> sent = new QueueProducer(kafka).sendAll(three());
        assertTrue(sent.isCompletedExceptionally());
        Fixtures.Acks batch = new Fixtures.Acks();
        Batches.settle(batch.message, sent).toCompletableFuture().join();
        assertEquals(0, batch.acks.get());
        assertEquals(1, batch.nacks.get());
    }

    @Test
    void anEmptyBatchIsDoneAtOnce() {
        CompletableFuture<Void> sent = new QueueProducer(Fixtures.producer()).sendAll(List.of());
        assertTrue(sent.isDone());
        assertFalse(sent.isCompletedExceptionally());
    }
}
