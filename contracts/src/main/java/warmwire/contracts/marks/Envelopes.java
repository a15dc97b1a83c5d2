package warmwire.contracts.marks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.contracts.mail.QueuedMessage;

/**
 * NAME
 *   Envelopes - the queue index's message entries: {@code m:<id>} -> the accepted message's envelope.
 * DESCRIPTION
 *   Written by intake (delivery-service) for every message it accepts, in the queue index
 *   ({@link FinalMarks#CACHE}, memory only); read by queue-service's admin queries, which show
 *   each recipient's state beside it. The value is JSON text: {@code id}, {@code from},
 *   {@code recipients}, {@code size}, {@code tls}, {@code submittedAt} and, for a client-supplied
 *   id, {@code source} (the record that carried it, {@code <topic>/<partition>/<offset>}). In
 *   contracts because the key and the value are the contract between the writer and the reader.
 */
public final class Envelopes {
    /** The key prefix of a message entry. */
    public static final String PREFIX = "m:";

    private Envelopes() {
    }

    /**
     * The entries in {@code cache} (the queue index), kept for {@code lifespan}: written as
     * {@link IndexMarks} write, many at once, best effort (no retries; a failure is logged).
     */
    public static IndexMarks in(RemoteCache<String, String> cache, Duration lifespan) {
        return new IndexMarks(cache, PREFIX, "queue-index envelope", lifespan.toSeconds());
    }

    /** The entry's value: {@code m}'s envelope, and {@code source} unless null. */
    public static String value(ObjectMapper mapper, QueuedMessage m, String source) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", m.id());
        n.put("from", m.from());
        n.set("recipients", mapper.valueToTree(m.recipients()));
        n.put("size", m.size());
        n.put("tls", m.tls().wireName());
        n.put("submittedAt", m.submittedAt().toString());
        if (source != null) {
            n.put("source", source);
        }
        return n.toString();
    }
}
