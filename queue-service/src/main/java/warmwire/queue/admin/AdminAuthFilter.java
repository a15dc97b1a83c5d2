package warmwire.queue.admin;

import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import warmwire.contracts.admin.BearerToken;
import warmwire.queue.QueueConfig;

/**
 * NAME
 *   AdminAuthFilter - bearer-token authentication of the admin resources ({@link AdminApi}).
 * DESCRIPTION
 *   The rule is {@link BearerToken}'s (shared by every service): the token of
 *   {@code warmwire.admin.token}, compared in constant time; none configured = 401 for all.
 */
public class AdminAuthFilter {
    /** Looked up per request: filters are built at static init, before runtime configuration exists. */
    @Inject
    Provider<QueueConfig> config;

    @ServerRequestFilter
    @AdminApi
    public Response authenticate(ContainerRequestContext ctx) {
        String expected = config.get().admin().token().orElse(null);
        if (BearerToken.accepts(expected, ctx.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, BearerToken.CHALLENGE)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", BearerToken.why(expected)))
                .build();
    }
}
