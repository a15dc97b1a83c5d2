package warmwire.delivery.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import warmwire.contracts.mail.PolicySource;
import warmwire.contracts.outcome.Status;
import warmwire.contracts.route.Endpoint;
import warmwire.delivery.mtasts.StsPolicies;
import warmwire.delivery.mtasts.StsPolicy;
import warmwire.delivery.mtasts.StsPolicyException;
import warmwire.delivery.mx.Route;

/** RFC 8461 section 2: DANE wins over MTA-STS; MTA-STS applies to every route DANE did not decide. */
class DomainRouterPoliciesTest {
    private static final StsPolicies.Found ENFORCE_ELSEWHERE = new StsPolicies.Found(Optional.of(StsPolicy.parse(
            "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n".getBytes(StandardCharsets.US_ASCII))), null);

    @Test
    void aDaneDestinationIgnoresTheMtaStsPolicy() {
        Route dane = new Route.Destination(List.of("mx.example.test"), 25,
                List.of(new Endpoint("mx.example.test", "192.0.2.1", 25, 10).withTlsa(List.of("3 1 1 ab"))), PolicySource.DANE);
        assertSame(dane, DomainRouter.underPolicies("example.test", dane, ENFORCE_ELSEWHERE));
    }

    @Test
    void withoutDaneTheMtaStsPolicyApplies() {
        Route plain = new Route.Destination(List.of("mx.example.test"), 25,
                List.of(new Endpoint("mx.example.test", "192.0.2.1", 25, 10)));
        Route.Failure f = (Route.Failure) DomainRouter.underPolicies("example.test", plain, ENFORCE_ELSEWHERE);
        assertEquals(Status.DEFERRED, f.status(), "enforce names none of the hosts");
        assertSame(plain, DomainRouter.underPolicies("example.test", plain, new StsPolicies.Found(Optional.empty(), null)));
    }

    @Test
    void aFailedFetchWithoutAPolicyInForceIsNotedForTheTlsReport() {
        Route.Destination plain = new Route.Destination(List.of("mx.example.test"), 25,
                List.of(new Endpoint("mx.example.test", "192.0.2.1", 25, 10)));
        Route.Destination d = (Route.Destination) DomainRouter.underPolicies("example.test", plain, new StsPolicies.Found(
                Optional.empty(), new StsPolicyException(StsPolicyException.WEBPKI_INVALID, "untrusted")));
        assertEquals(plain.hosts(), d.hosts(), "delivered as without a policy");
        assertEquals("sts-webpki-invalid", d.tlsResult().result());
        assertEquals("example.test", d.tlsResult().policyDomain());
    }
}
