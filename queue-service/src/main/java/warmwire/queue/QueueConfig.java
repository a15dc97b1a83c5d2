package warmwire.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   QueueConfig - queue-service settings, prefix {@code warmwire}.
 * DESCRIPTION
 *   Every key is documented in application.properties and can be given as an environment
 *   variable by Quarkus' usual mapping ({@code WARMWIRE_INTAKE_MAX_MESSAGE_SIZE}).
 */
@ConfigMapping(prefix = "warmwire")
public interface QueueConfig {

    Intake intake();

    Tls tls();

    Admin admin();

    interface Intake {
        /** Largest message body accepted, in bytes after base64 decoding. */
        @WithDefault("10485760")
        int maxMessageSize();

        /** Most recipients one submission may carry. */
        @WithDefault("1000")
        int maxRecipients();

        /** How long intake waits for the broker to acknowledge the records it forwards. */
        @WithDefault("30s")
        Duration sendTimeout();
    }

    interface Tls {
        /** The floor: a per-message {@code tls} request is raised to this level. */
        @WithDefault("may")
        TlsLevel level();
    }

    interface Admin {
        /** Bearer token for /admin endpoints. No default: without it every admin call is refused. */
        Optional<String> token();
    }

    /** Retention of queue-index entries in Infinispan. */
    @WithName("index.lifespan")
    @WithDefault("P7D")
    Duration indexLifespan();
}
