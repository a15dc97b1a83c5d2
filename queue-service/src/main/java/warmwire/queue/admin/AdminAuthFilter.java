package warmwire.queue.admin;

import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   AdminAuthFilter - bearer-token authentication for every /admin path.
 * DESCRIPTION
 *   The token comes from {@code warmwire.admin.token} (environment WARMWIRE_ADMIN_TOKEN), never
 *   from the repository. Without a configured token every admin call is refused (401), so a
 *   forgotten setting fails closed. Tokens are compared in constant time.
 */
public class AdminAuthFilter {
    /** Looked up per request: filters are built at static init, before runtime configuration exists. */
    @Inject
    Provider<QueueConfig> config;

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext ctx) {
        if (!ctx.getUriInfo().getPath().startsWith("/admin")) {
            return null;
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        String expected = config.get().admin().token().orElse(null);
        if (expected != null && !expected.isEmpty() && header != null && header.startsWith("Bearer ")
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                        header.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"warmwire-admin\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", expected == null ? "admin token not configured (warmwire.admin.token)"
                        : "missing or wrong bearer token"))
                .build();
    }
}
