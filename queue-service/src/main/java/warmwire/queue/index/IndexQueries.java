package warmwire.queue.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.commons.util.CloseableIterator;
import warmwire.contracts.outcome.Status;

/**
 * NAME
 *   IndexQueries - cluster-wide questions answered from the queue index: the queue summary and
 *   the dead sites tls-session-service published.
 * DESCRIPTION
 *   {@link #summary} walks the index (entries {@code m:<id>}, {@code r:<id>:<recipient>} and
 *   {@code f:<id>:<recipient>}, see {@link QueueIndex}) up to {@code SCAN_LIMIT} entries and
 *   counts recipients by their latest status (the final event when there is one) and, for the
 *   ones not final, by site; a message's recipients without an event count as {@code queued}.
 *   The oldest age is that of the oldest message with a recipient not final. {@code truncated}
 *   says when the limit cut the walk. {@link #deadSites} and {@link #throttledSites} read the
 *   cache {@code warmwire-sites} (site key -> JSON verdict, {@code throttle:<site key>[ from <egress source>]} -> JSON
 *   throttle) when it exists.
 */
@ApplicationScoped
public class IndexQueries {
    static final int SCAN_LIMIT = 200_000;
    public static final String SITES_CACHE = "warmwire-sites";

    private final RemoteCache<String, String> cache;
    private final RemoteCacheManager manager;
    private final ObjectMapper mapper;

    @Inject
    public IndexQueries(@Remote(QueueIndex.CACHE) RemoteCache<String, String> cache, RemoteCacheManager manager,
                        ObjectMapper mapper) {
        this.cache = cache;
        this.manager = manager;
        this.mapper = mapper;
    }

    /** What the summary needs of a recipient's latest event. */
    private record Latest(String id, String status, String site) {
    }

    public Map<String, Object> summary(Instant now) throws Exception {
        Map<String, Instant> submitted = new HashMap<>();
        Map<String, Integer> rcptCount = new HashMap<>();
        Map<String, Integer> byStatus = new TreeMap<>();
        Map<String, Integer> bySite = new TreeMap<>();
        Map<String, Integer> withEvent = new HashMap<>();
        Set<String> open = new HashSet<>();
        Map<String, Latest> latestByName = new HashMap<>();
        int seen = 0;
        boolean truncated = false;
        try (CloseableIterator<Map.Entry<Object, Object>> it = cache.retrieveEntries(null, 1000)) {
            while (it.hasNext()) {
                if (++seen > SCAN_LIMIT) {
                    truncated = true;
                    break;
                }
                Map.Entry<Object, Object> e = it.next();
                String k = String.valueOf(e.getKey());
                boolean isFinal = k.startsWith(QueueIndex.FINAL);
                if (!k.startsWith(QueueIndex.MESSAGE) && !k.startsWith(QueueIndex.EVENT) && !isFinal) {
                    continue; // other entries are not queue state
                }
                JsonNode v;
                try {
                    v = mapper.readTree(String.valueOf(e.getValue()));
                } catch (Exception bad) {
                    continue;
                }
                if (k.startsWith(QueueIndex.MESSAGE)) {
                    String id = k.substring(QueueIndex.MESSAGE.length());
                    if (v.hasNonNull("submittedAt")) {
                        submitted.put(id, Instant.parse(v.get("submittedAt").asText()));
                    }
                    rcptCount.put(id, v.path("recipients").size());
                } else {
                    // the recipient's final event wins over its latest earlier one, in whatever order they come
                    String name = k.substring((isFinal ? QueueIndex.FINAL : QueueIndex.EVENT).length());
                    Latest latest = new Latest(v.path("id").asText(), v.path("status").asText("queued"),
                            v.path("site").asText("(unrouted)"));
                    if (isFinal) {
                        latestByName.put(name, latest);
                    } else {
                        latestByName.putIfAbsent(name, latest);
                    }
                }
            }
        }
        for (Latest l : latestByName.values()) {
            byStatus.merge(l.status(), 1, Integer::sum);
            withEvent.merge(l.id(), 1, Integer::sum);
            boolean fin;
            try {
                fin = Status.parse(l.status()).isFinal();
            } catch (IllegalArgumentException ex) {
                fin = false;
            }
            if (!fin) {
                open.add(l.id());
                bySite.merge(l.site(), 1, Integer::sum);
            }
        }
        rcptCount.forEach((id, n) -> {
            int queued = n - withEvent.getOrDefault(id, 0);
            if (queued > 0) {
                byStatus.merge("queued", queued, Integer::sum);
                bySite.merge("(not yet attempted)", queued, Integer::sum);
                open.add(id);
            }
        });
        Instant oldest = open.stream().map(submitted::get).filter(t -> t != null).min(Instant::compareTo).orElse(null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("messages", rcptCount.size());
        out.put("messagesNotFinal", open.size());
        out.put("recipientsByStatus", byStatus);
        out.put("recipientsNotFinalBySite", bySite);
        out.put("oldestNotFinalAgeSeconds", oldest == null ? null : Duration.between(oldest, now).toSeconds());
        out.put("truncated", truncated);
        return out;
    }

    /** The dead-site verdicts in force (tls-session's failed cohorts). */
    public List<JsonNode> deadSites() throws Exception {
        return sitesWith("dead");
    }

    /** The throttles in force (a receiver asked to slow down: the site's limits are halved). */
    public List<JsonNode> throttledSites() throws Exception {
        return sitesWith("throttled");
    }

    /** The entries of warmwire-sites whose {@code flag} is true and whose "until" is still ahead. */
    private List<JsonNode> sitesWith(String flag) throws Exception {
        RemoteCache<String, String> sites = manager.getCache(SITES_CACHE);
        List<JsonNode> out = new ArrayList<>();
        if (sites == null) {
            return out;
        }
        Instant now = Instant.now();
        try (CloseableIterator<Map.Entry<Object, Object>> it = sites.retrieveEntries(null, 1000)) {
            while (it.hasNext()) {
                JsonNode v = mapper.readTree(String.valueOf(it.next().getValue()));
                if (v.path(flag).asBoolean(false) && (!v.hasNonNull("until") || Instant.parse(v.get("until").asText()).isAfter(now))) {
                    out.add(v);
                }
            }
        }
        return out;
    }
}
