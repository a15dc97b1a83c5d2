package warmwire.session.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import warmwire.session.agent.TestSmtpSettings;

/** The running service's /q/metrics carries Warmwire's meters (no Infinispan, no Kafka: %test). */
@QuarkusTest
@QuarkusTestResource(TestSmtpSettings.class)
class MetricsEndpointTest {

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void metricsAreScrapable() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        for (String name : List.of("warmwire_connections_open ", "warmwire_connections_opened_total ",
                "warmwire_connection_reuses_total ", "warmwire_tls_handshakes_total{resumed=\"true\"",
                "warmwire_tls_handshakes_total{resumed=\"false\"", "warmwire_deliveries_total{result=\"delivered\"",
                "warmwire_dead_sites ", "warmwire_dead_site_publish_failures_total ")) {
            assertTrue(r.body().contains(name), name + " in /q/metrics");
        }
    }
}
