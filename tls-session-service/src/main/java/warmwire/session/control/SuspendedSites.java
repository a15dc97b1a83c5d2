package warmwire.session.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jboss.logging.Logger;
import warmwire.contracts.follow.ControlFollower;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.route.Site;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   SuspendedSites - the sites an operator suspended, followed from mail.control.
 * DESCRIPTION
 *   Reads the compacted {@code mail.control} topic with a {@link ControlFollower} and keeps the {@code site:<key>} decisions whose
 *   {@code suspended} is set. {@link #apply} answers a site key with the operator's reason (""
 *   when none was given) or null; a decision may name the whole site key or one of its MX hosts.
 *   {@link #caughtUp} tells whether the topic has been read to its end once: before that no
 *   delivery starts (agent.Deliveries waits, then defers), so a suspended site is never
 *   delivered to because its decision was not read yet. Invalid records are never applied:
 *   the follower logs them and they go to mail.internal.dlq.
 */
@ApplicationScoped
public class SuspendedSites implements Function<String, String> {
    private static final Logger LOG = Logger.getLogger(SuspendedSites.class);

    private final Map<String, String> suspended = new ConcurrentHashMap<>();
    private final ObjectMapper mapper;
    private final Map<String, Object> kafka;
    private final String topic;
    private final boolean enabled;
    private ControlFollower follower;

    @Inject
    jakarta.enterprise.inject.Instance<warmwire.session.deadletter.DeadLetters> deadLetters;

    @Inject
    public SuspendedSites(ObjectMapper mapper, @Identifier("default-kafka-broker") Map<String, Object> kafka,
                          SessionConfig config) {
        this(mapper, kafka, config.session().controlTopic(), config.session().followControl());
    }

    public SuspendedSites(ObjectMapper mapper, Map<String, Object> kafka, String topic, boolean enabled) {
        this.mapper = mapper;
        this.kafka = kafka;
        this.topic = topic;
        this.enabled = enabled;
    }

    void onStart(@Observes StartupEvent ev) {
        if (!enabled) {
            LOG.info("operator decisions on mail.control are not followed (warmwire.session.follow-control=false)");
            return;
        }
        follower = new ControlFollower(kafka, topic, "warmwire-session-control", this::apply,
                (r, why) -> deadLetters.get().write(r.topic(), r.partition(), r.offset(), r.key(), why,
                        r.value() == null ? null : r.value().getBytes(java.nio.charset.StandardCharsets.UTF_8))).start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (follower != null) {
            follower.close();
        }
    }

    @Override
    public String apply(String siteKey) {
        return suspended.isEmpty() ? null : Site.byKeyOrHost(siteKey, suspended::get);
    }

    /** Whether every decision on mail.control at start is known (always, when not followed). */
    public boolean caughtUp() {
        return !enabled || (follower != null && follower.caughtUp());
    }

    /** The suspended sites (or MX hosts) and the operators' reasons. */
    public Map<String, String> list() {
        return Map.copyOf(suspended);
    }

    /** Applies one record of mail.control (public for tests). */
    public void apply(String key, String value) {
        if (key == null || !key.startsWith("site:")) {
            return;
        }
        String site = key.substring("site:".length());
        if (value == null) {
            suspended.remove(site);
            return;
        }
        try {
            ControlState s = mapper.readValue(value, ControlState.class);
            if (s.suspended()) {
                if (suspended.put(site, s.reason() == null ? "" : s.reason()) == null) {
                    LOG.warnf("site %s suspended by the operator%s", warmwire.contracts.text.BoundedText.escape(site),
                            s.reason() == null ? "" : ": " + warmwire.contracts.text.BoundedText.escape(s.reason()));
                }
            } else if (suspended.remove(site) != null) {
                LOG.infof("site %s resumed by the operator", site);
            }
        } catch (Exception e) {
            LOG.errorf("unreadable record on %s for %s skipped: %s", topic, warmwire.contracts.text.BoundedText.escape(key),
                    warmwire.contracts.text.BoundedText.escape(e.getMessage()));
        }
    }

}
