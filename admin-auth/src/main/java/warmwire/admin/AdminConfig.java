package warmwire.admin;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** {@code warmwire.admin.*}: the admin API's settings, the same key in every service. */
@ConfigMapping(prefix = "warmwire.admin")
public interface AdminConfig {
    /**
     * The bearer token every admin call must carry (environment WARMWIRE_ADMIN_TOKEN); never in
     * the repository. Unset: every admin call is refused (401).
     */
    Optional<String> token();
}
