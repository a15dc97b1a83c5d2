package warmwire.session.agent;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Short SMTP timeouts and a fixed HELO name for the Quarkus tests (the delivery loop does not
 * run there: %test.warmwire.session.deliver=false).
 */
public class TestSmtpSettings implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> env = new HashMap<>();
        env.put("warmwire.smtp.timeouts.greeting", "3s");
        env.put("warmwire.smtp.timeouts.connect", "3s");
        env.put("warmwire.smtp.helo-name", "client.test");
        return env;
    }

    @Override
    public void stop() {
    }
}
