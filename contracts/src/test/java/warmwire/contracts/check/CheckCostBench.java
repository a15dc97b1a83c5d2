package warmwire.contracts.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import warmwire.contracts.mail.MailFrame;

/**
 * NAME
 *   CheckCostBench - CPU per record of DeliveryJobCheck on a bench-shaped job.
 * SYNOPSIS
 *   ./mvnw -o -pl contracts test -Dtest=CheckCostBench -Dwarmwire.bench=true -DargLine=-XX:TieredStopAtLevel=1
 * DESCRIPTION
 *   One framed mail.deliver record as bench/run.sh makes them (one site, one endpoint, one
 *   recipient, a 5 KiB body), checked 200,000 times a round on this thread; prints the CPU time
 *   per record of the last rounds. The services run under C1 (deploy/local/mesh.sh), hence the
 *   argLine. Disabled unless -Dwarmwire.bench=true.
 */
@EnabledIfSystemProperty(named = "warmwire.bench", matches = "true")
class CheckCostBench {

    @Test
    void deliveryJob() {
        Instant now = Instant.now();
        byte[] body = new byte[5120];
        Arrays.fill(body, (byte) 'x');
        for (int i = 76; i < body.length - 1; i += 78) {
            body[i] = '\r';
            body[i + 1] = '\n';
        }
        String json = "{\"jobId\":\"m1/1/mx.d1.test:25/encrypt\",\"messageId\":\"bench-000001-abcdef\","
                + "\"site\":{\"hosts\":[\"mx.d1.test\"],\"port\":25,\"tls\":\"encrypt\",\"policy\":\"config\"},"
                + "\"endpoints\":[{\"host\":\"mx.d1.test\",\"address\":\"127.0.0.2\",\"port\":25,\"preference\":10}],"
                + "\"from\":\"bench@sender.test\",\"recipients\":[\"r1@d1.test\"],\"tls\":\"encrypt\",\"attempt\":1,"
                + "\"submittedAt\":\"" + now.minusMillis(1234) + "\",\"routedAt\":\"" + now + "\",\"routeSeconds\":0.002,"
                + "\"delayNotified\":false}";
        byte[] record = MailFrame.write(json.getBytes(StandardCharsets.UTF_8), body);
        RecordLimits limits = new RecordLimits(1000);
        Checked<?> c = DeliveryJobCheck.check(record, limits, now);
        assertTrue(c.isValid(), c::reason);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = 200_000;
        for (int round = 0; round < 6; round++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                DeliveryJobCheck.check(record, limits, now);
            }
            System.out.printf("CheckCostBench: round %d: DeliveryJobCheck %.2f us/record%n", round,
                    (mx.getCurrentThreadCpuTime() - t0) / 1000.0 / n);
        }
    }
}
