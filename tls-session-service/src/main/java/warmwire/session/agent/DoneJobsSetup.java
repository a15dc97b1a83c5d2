package warmwire.session.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.infinispan.client.hotrod.RemoteCacheManager;
import warmwire.contracts.marks.IndexMarks;
import warmwire.session.SessionConfig;
import warmwire.session.metrics.SessionMetrics;

/**
 * NAME
 *   DoneJobsSetup - the {@link DoneJobs} of this instance, over the Infinispan cache
 *   {@value #CACHE} unless {@code warmwire.session.done-jobs=false}.
 * DESCRIPTION
 *   The cache is opened (and created from
 *   {@code quarkus.infinispan-client.cache.warmwire-session-jobs.configuration} when missing) at
 *   startup, like queue-service's index: the consumer that uses it is a startup bean, and the
 *   producer is {@code @Singleton} (no lazy client proxy), so opening the cache never runs on
 *   an event loop (the Hot Rod client shares Quarkus' event loops: blocking one would deadlock).
 */
@ApplicationScoped
public class DoneJobsSetup {
    /** Finished jobs ({@code done:<job id>}), shared by every tls-session-service instance. */
    public static final String CACHE = "warmwire-session-jobs";

    @Produces
    @Singleton
    DoneJobs doneJobs(SessionConfig config, Instance<RemoteCacheManager> managers, SessionMetrics metrics) {
        DoneJobs done = !config.session().doneJobs() ? new DoneJobs(null)
                : new DoneJobs(new IndexMarks(managers.get().getCache(CACHE), "done:", "done-job",
                        config.session().doneJobLifespan().toSeconds(), config.session().doneCheckPatience()));
        metrics.watchDoneJobs(done);
        return done;
    }
}
