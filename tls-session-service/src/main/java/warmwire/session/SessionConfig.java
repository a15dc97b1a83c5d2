package warmwire.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   SessionConfig - tls-session-service settings, prefix {@code warmwire}.
 * DESCRIPTION
 *   Every key is documented in application.properties and can be given as an environment
 *   variable by Quarkus' usual mapping ({@code WARMWIRE_SMTP_TIMEOUTS_DATA_DONE}).
 */
@ConfigMapping(prefix = "warmwire")
public interface SessionConfig {

    Tls tls();

    Smtp smtp();

    Session session();

    interface Tls {
        /** The floor: a job's level is raised to this, never lowered. */
        @WithDefault("may")
        TlsLevel level();

        /** PEM CA bundle for verify; unset = the JDK's CA store. */
        @WithName("trust-file")
        Optional<String> trustFile();
    }

    interface Smtp {
        /** Name sent in EHLO/HELO; unset = this machine's host name. */
        @WithName("helo-name")
        Optional<String> heloName();

        Timeouts timeouts();
    }

    /** RFC 5321 section 4.5.3.2 timeouts (Postfix defaults where the RFC has none). */
    interface Timeouts {
        @WithDefault("30s")
        Duration connect();

        @WithDefault("300s")
        Duration greeting();

        /** EHLO, HELO, and EHLO after STARTTLS. */
        @WithDefault("300s")
        Duration helo();

        @WithDefault("300s")
        Duration starttls();

        @WithName("tls-handshake")
        @WithDefault("60s")
        Duration tlsHandshake();

        @WithDefault("300s")
        Duration mail();

        @WithDefault("300s")
        Duration rcpt();

        @WithDefault("120s")
        Duration data();

        /** Longest wait for write progress while the body is sent. */
        @WithName("data-body")
        @WithDefault("180s")
        Duration dataBody();

        @WithName("data-done")
        @WithDefault("600s")
        Duration dataDone();

        @WithDefault("20s")
        Duration rset();

        @WithDefault("300s")
        Duration quit();
    }

    interface Session {
        /** Jobs delivered at once by this instance. */
        @WithName("max-in-flight")
        @WithDefault("64")
        int maxInFlight();
    }
}
