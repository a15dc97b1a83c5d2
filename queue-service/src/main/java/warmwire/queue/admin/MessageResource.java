package warmwire.queue.admin;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
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
public class MessageResource {
    @Inject
    QueueIndex index;

    @GET
    @Path("{id}")
    public Response get(@PathParam("id") String id) {
        try {
            return index.message(id).map(n -> Response.ok(n).build())
                    .orElseGet(() -> Response.status(404).entity(Map.of("error", "unknown message id", "id", id)).build());
        } catch (Exception e) {
            return Response.status(503).entity(Map.of("error", "queue index unavailable: " + e.getMessage())).build();
        }
    }
}
