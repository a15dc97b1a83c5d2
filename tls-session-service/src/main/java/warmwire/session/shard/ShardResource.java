package warmwire.session.shard;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import warmwire.admin.AdminApi;
import warmwire.admin.AdminAuthFilter;

/**
 * NAME
 *   ShardResource - GET /admin/v1/shards: the shard map, from any instance.
 * DESCRIPTION
 *   Reads the Infinispan cache warmwire-shards ({@link ShardMap#read}) on a worker thread:
 *   {"epoch", "partitions": [{"partition", "owner", "epoch", "since"}], "instances": [{"id",
 *   "partitions", "connectionsOpen", "sites", "updatedAt"}]}. 503 with a JSON error when
 *   Infinispan cannot be read. Bearer token: {@link AdminAuthFilter}.
 */
@Path("/admin/v1/shards")
@AdminApi
@Tag(name = "shards", description = "Which tls-session-service instance owns which shard")
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
@SecurityRequirement(name = "bearer")
public class ShardResource {
    private static final Logger LOG = Logger.getLogger(ShardResource.class);

    @Inject
    ShardMap map;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Partition -> instance with the epoch of each change, and each live instance's connection summary")
    public Response shards() {
        try {
            JsonNode m = map.read();
            return Response.ok(m).build();
        } catch (Exception e) {
            LOG.warnf("shard map not readable: %s", e.toString());
            return Response.status(503).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", "shard map not readable from Infinispan: " + e.getMessage(), "status", 503))
                    .build();
        }
    }
}
