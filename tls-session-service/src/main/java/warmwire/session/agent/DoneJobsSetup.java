package warmwire.session.agent;

import io.quarkus.infinispan.client.Remote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import org.infinispan.client.hotrod.RemoteCache;
import warmwire.contracts.marks.IndexMarks;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   DoneJobsSetup - the {@link DoneJobs} of this instance, over the Infinispan cache
 *   {@value #CACHE} unless {@code warmwire.session.done-jobs=false}.
 */
@ApplicationScoped
public class DoneJobsSetup {
    /** Finished jobs ({@code done:<job id>}), shared by every tls-session-service instance. */
    public static final String CACHE = "warmwire-session-jobs";

    @Produces
    @ApplicationScoped
    DoneJobs doneJobs(SessionConfig config, @Remote(CACHE) Instance<RemoteCache<String, String>> cache) {
        if (!config.session().doneJobs()) {
            return new DoneJobs(null);
        }
        return new DoneJobs(new IndexMarks(cache.get(), "done:", "done-job", config.session().doneJobLifespan().toSeconds()));
    }
}
