package warmwire.queue.admin;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import warmwire.queue.index.QueueIndex;

/**
 * NAME
 *   MessageResource - GET /admin/v1/messages/{id}: one message's envelope and recipient states.
 * DESCRIPTION
 *   Answers from the Infinispan queue index, so any instance answers for the whole cluster.
 *   404 with a JSON error for an id the index does not know; 503 when Infinispan cannot be
 *   reached.
 */
@Path("/admin/v1/messages")
@Produces(MediaType.APPLICATION_JSON)
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "warmwire.admin.token (WARMWIRE_ADMIN_TOKEN)")
@SecurityRequirement(name = "bearer")
@Tag(name = "messages", description = "Per-message state from the queue index")
public class MessageResource {
    @Inject
    QueueIndex index;

    @GET
    @Path("{id}")
    @Operation(summary = "One message: envelope and each recipient's latest event")
    @APIResponse(responseCode = "200", description = "the message")
    @APIResponse(responseCode = "401", description = "missing or wrong bearer token")
    @APIResponse(responseCode = "404", description = "unknown message id")
    @APIResponse(responseCode = "503", description = "queue index (Infinispan) unreachable")
    public Response get(@PathParam("id") String id) {
        try {
            return index.message(id).map(n -> Response.ok(n).build())
                    .orElseGet(() -> Response.status(404).entity(Map.of("error", "unknown message id", "id", id)).build());
        } catch (Exception e) {
            return Response.status(503).entity(Map.of("error", "queue index unavailable: " + e.getMessage())).build();
        }
    }
}
