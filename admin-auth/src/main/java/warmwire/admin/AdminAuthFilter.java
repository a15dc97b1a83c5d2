package warmwire.admin;

import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * NAME
 *   AdminAuthFilter - bearer-token authentication of every service's admin resources.
 * DESCRIPTION
 *   Runs before each resource marked {@link AdminApi}. {@link BearerToken}'s rule: the token of
 *   {@code warmwire.admin.token} ({@link AdminConfig}), compared in constant time; none
 *   configured = 401 for every admin call. A refusal is 401 with a Bearer challenge and a JSON
 *   body that says why.
 */
public class AdminAuthFilter {
    /** Looked up per request: filters are built at static init, before runtime configuration exists. */
    @Inject
    Provider<AdminConfig> config;

    @ServerRequestFilter
    @AdminApi
    public Response authenticate(ContainerRequestContext ctx) {
        String expected = config.get().token().orElse(null);
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
