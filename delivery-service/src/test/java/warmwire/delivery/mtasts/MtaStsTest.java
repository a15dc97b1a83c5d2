package warmwire.delivery.mtasts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.delivery.mx.Route;

/** RFC 8461 sections 4 and 5: what a policy does to a route. */
class MtaStsTest {
    private static final Route.Destination TWO_HOSTS = new Route.Destination(List.of("mx1.example.test", "backup.other.test"),
            25, List.of(new Endpoint("mx1.example.test", "192.0.2.1", 25, 10),
            new Endpoint("backup.other.test", "192.0.2.2", 25, 20)));

    private static Optional<StsPolicy> policy(String mode, String... mx) {
        StringBuilder b = new StringBuilder("version: STSv1\nmode: " + mode + "\nmax_age: 86400\n");
        for (String m : mx) {
            b.append("mx: ").append(m).append('\n');
        }
        return Optional.of(StsPolicy.parse(b.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void enforceKeepsOnlyTheMxHostsThePolicyNamesAndMarksTheDestination() {
        Route r = MtaSts.apply("example.test", policy("enforce", "*.example.test"), TWO_HOSTS);
        Route.Destination d = (Route.Destination) r;
        assertEquals(List.of("mx1.example.test"), d.hosts());
        assertEquals(List.of("192.0.2.1"), d.endpoints().stream().map(Endpoint::address).toList());
        assertEquals(PolicySource.MTA_STS, d.policy());
        assertEquals("sts", d.report().type());
    }

    @Test
    void enforceWithNoMatchingHostDefersNeverBounces() {
        Route.Failure f = (Route.Failure) MtaSts.apply("example.test", policy("enforce", "mx.elsewhere.test"), TWO_HOSTS);
        assertEquals(Status.DEFERRED, f.status());
        assertEquals("4.7.5", f.enhanced());
        assertTrue(f.reason().contains("names none of its MX hosts"), f.reason());
        assertEquals("validation-failure", f.tlsResult().result(), "into the domain's TLS report");

        Route.Destination noAddress = new Route.Destination(List.of("mx1.example.test", "backup.other.test"), 25,
                List.of(new Endpoint("backup.other.test", "192.0.2.2", 25, 20)));
        Route.Failure g = (Route.Failure) MtaSts.apply("example.test", policy("enforce", "mx1.example.test"), noAddress);
        assertEquals(Status.DEFERRED, g.status());
        assertTrue(g.reason().contains("no MX host it names has a usable address"), g.reason());
    }

    @Test
    void testingNoneNoPolicyAndFailedRoutesAreLeftAsTheyAre() {
        Route.Destination testing = (Route.Destination) MtaSts.apply("example.test", policy("testing", "mx.elsewhere.test"),
                TWO_HOSTS);
        assertEquals(TWO_HOSTS.hosts(), testing.hosts(), "testing: every host, as usual");
        assertEquals(PolicySource.CONFIG, testing.policy());
        assertEquals(List.of("version: STSv1", "mode: testing", "mx: mx.elsewhere.test", "max_age: 86400"),
                testing.report().policyString(), "reported under the policy");
        assertSame(TWO_HOSTS, MtaSts.apply("example.test", policy("none"), TWO_HOSTS));
        assertSame(TWO_HOSTS, MtaSts.apply("example.test", Optional.empty(), TWO_HOSTS));
        Route nx = Route.Failure.bounce("5.1.2", "Host not found");
        assertSame(nx, MtaSts.apply("example.test", policy("enforce", "*.example.test"), nx));
    }
}
