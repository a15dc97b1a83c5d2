package warmwire.queue.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.infinispan.client.hotrod.RemoteCache;
import org.jboss.logging.Logger;
import warmwire.contracts.marks.Envelopes;
import warmwire.contracts.marks.FinalMarks;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   QueueIndex - per-message and per-recipient state in Infinispan, for admin queries.
 * DESCRIPTION
 *   Derived state (DESIGN.md principle 2): Kafka holds the mail, this index only tells an
 *   operator where each message stands, from any instance. Three kinds of entries in the cache
 *   {@value #CACHE}, all JSON text:
 *   - {@code m:<id>} holds the envelope (sender, recipients, size, TLS level, submission time),
 *     written by intake in delivery-service ({@link Envelopes});
 *   - {@code r:<id>:<recipient>} holds the latest other event of that recipient: deferred, or an
 *     operator's deletion (which the admin API publishes itself, outside the outcome path);
 *   - {@code f:<id>:<recipient>} holds its final event, written once the broker has it: that
 *     entry is also the mark that a retried attempt's final event was published
 *     ({@link warmwire.queue.outcome.FinalEvents}).
 *   The cache is in memory only and bounded by entry count (application.properties): these
 *   entries are views of what mail.events says, and written through to the server's file store
 *   they were most of Infinispan's CPU per message (two writes to the file store per message).
 *   The oldest go first when the bound is reached, and all after a restart of the server: a
 *   message the index no longer knows is reported as not found, which mail.events still tells.
 *   Client ids' claims, which must outlive a restart, are not here
 *   (delivery-service's intake, cache {@code warmwire-queue-ids}).
 *   A recipient's state is its {@code f:} entry if there is one, else its {@code r:} entry,
 *   else queued. One writer per key at a time (events of one recipient are sequential), so
 *   plain puts suffice and no read-modify-write races exist.
 *   The writes of this class are asynchronous and best effort: an unreachable Infinispan is
 *   logged and never stops or delays mail. Entries expire after {@code warmwire.index.lifespan}.
 */
@ApplicationScoped
public class QueueIndex {
    private static final Logger LOG = Logger.getLogger(QueueIndex.class);
    public static final String CACHE = FinalMarks.CACHE;

    private final RemoteCache<String, String> cache;
    private final ObjectMapper mapper;
    private final long lifespanSeconds;

    @Inject
    public QueueIndex(@Remote(CACHE) RemoteCache<String, String> cache, ObjectMapper mapper, QueueConfig config) {
        this.cache = cache;
        this.mapper = mapper;
        this.lifespanSeconds = config.indexLifespan().toSeconds();
    }

    /** Key prefixes of the three kinds of entries. */
    public static final String MESSAGE = Envelopes.PREFIX, EVENT = "r:", FINAL = FinalMarks.PREFIX;

    /** Records a recipient's latest event outside the outcome path's final events (those are {@code f:} entries). */
    public void recipientEvent(DeliveryEvent e) {
        String v = eventValue(e);
        if (v != null) {
            put(eventKey(e), v);
        }
    }

    private static String eventKey(DeliveryEvent e) {
        return EVENT + e.id() + ":" + e.recipient();
    }

    private String eventValue(DeliveryEvent e) {
        try {
            return mapper.writeValueAsString(e);
        } catch (Exception ex) {
            LOG.warnf("queue index: cannot encode event of %s: %s", e.id(), ex.toString());
            return null;
        }
    }

    /** The message's envelope and each recipient's latest event, if the index knows the message. */
    public Optional<ObjectNode> message(String id) throws Exception {
        String m = cache.get(MESSAGE + id);
        if (m == null) {
            return Optional.empty();
        }
        ObjectNode n = (ObjectNode) mapper.readTree(m);
        Set<String> keys = new HashSet<>();
        for (var r : n.path("recipients")) {
            keys.add(EVENT + id + ":" + r.asText());
            keys.add(FINAL + FinalMarks.name(id, r.asText()));
        }
        Map<String, String> got = keys.isEmpty() ? Map.of() : cache.getAll(keys);
        ObjectNode states = mapper.createObjectNode();
        for (var r : n.path("recipients")) {
            String ev = got.get(FINAL + FinalMarks.name(id, r.asText()));
            if (ev == null) {
                ev = got.get(EVENT + id + ":" + r.asText());
            }
            states.set(r.asText(), ev == null ? mapper.createObjectNode().put("status", "queued") : mapper.readTree(ev));
        }
        n.set("state", states);
        return Optional.of(n);
    }

    /** Collects the writes caused by one poll; {@link Batch#flush()} sends them in one call. */
    public Batch batch() {
        return new Batch();
    }

    /**
     * The index writes of one consumed batch, sent with one {@code putAllAsync} (same lifespan,
     * same best-effort rule). A later write of a key in the same batch replaces the earlier one,
     * as consecutive puts would. Not thread safe: one per batch.
     */
    public final class Batch {
        private final Map<String, String> entries = new HashMap<>();

        private Batch() {
        }

        /** A recipient's event that is not final ({@link warmwire.queue.outcome.FinalEvents} writes the final ones). */
        public void recipientEvent(DeliveryEvent e) {
            String v = eventValue(e);
            if (v != null) {
                entries.put(eventKey(e), v);
            }
        }

        public int size() {
            return entries.size();
        }

        /** Sends the collected writes (asynchronously, failures only logged) and forgets them. */
        public void flush() {
            if (entries.isEmpty()) {
                return;
            }
            Map<String, String> out = Map.copyOf(entries);
            entries.clear();
            try {
                cache.putAllAsync(out, lifespanSeconds, TimeUnit.SECONDS).whenComplete((v, ex) -> {
                    if (ex != null) {
                        LOG.warnf("queue index: write of %d entries failed (mail unaffected): %s", out.size(),
                                ex.toString());
                    }
                });
            } catch (RuntimeException ex) {
                LOG.warnf("queue index: write of %d entries failed (mail unaffected): %s", out.size(), ex.toString());
            }
        }
    }

    private void put(String key, String value) {
        try {
            cache.putAsync(key, value, lifespanSeconds, TimeUnit.SECONDS).whenComplete((v, ex) -> {
                if (ex != null) {
                    LOG.warnf("queue index: write of %s failed (mail unaffected): %s", key, ex.toString());
                }
            });
        } catch (RuntimeException ex) {
            LOG.warnf("queue index: write of %s failed (mail unaffected): %s", key, ex.toString());
        }
    }

    /** For tests and status lines: when the index last answered. */
    public Instant ping() {
        cache.size();
        return Instant.now();
    }
}
