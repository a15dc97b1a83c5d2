package warmwire.session.shard;

import java.net.InetAddress;
import warmwire.session.SessionConfig;

/**
 * NAME
 *   InstanceId - this tls-session-service instance's name.
 * DESCRIPTION
 *   {@code warmwire.session.instance-id} (application.properties defaults it to the host name,
 *   HOSTNAME, and the HTTP port, so it stays the same across restarts: Kafka static membership
 *   needs that); without it, the host name and the process id.
 */
public final class InstanceId {
    private InstanceId() {
    }

    public static String of(SessionConfig config) {
        return config.session().instanceId().filter(s -> !s.isBlank()).orElseGet(InstanceId::hostAndPid);
    }

    static String hostAndPid() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid();
    }
}
