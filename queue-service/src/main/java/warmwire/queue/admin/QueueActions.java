package warmwire.queue.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import warmwire.admin.AdminApi;
import warmwire.contracts.classify.ReplyRules;
import warmwire.contracts.control.ControlState;
import warmwire.contracts.outcome.DeliveryEvent;
import warmwire.contracts.outcome.Status;
import warmwire.queue.index.IndexQueries;
import warmwire.queue.index.QueueIndex;
import warmwire.queue.retry.OperatorDecisions;

/**
 * NAME
 *   QueueActions - the admin API: queue summary, one message, and the operator's verbs (retry
 *   now, hold, release, delete, suspend and resume sites).
 * DESCRIPTION
 *   Every decision is written as the whole new {@link ControlState} of its key to the compacted
 *   topic mail.control (channel {@code control}, acks=all) and answered 202 with that state once
 *   the broker has it; every instance - this one's retry scheduler, every tls-session-service -
 *   follows the topic, so any instance can be asked. The current state to merge with comes from
 *   this instance's follower ({@link OperatorDecisions#get}); before it has read the topic
 *   once, actions answer 503. Delete also writes a {@code deleted} event for each recipient of
 *   the message that is not in a final state yet (from the queue index). Unknown message ids
 *   answer 404, bad input 400, always with a JSON body {@code {"error": ..., "status": ...}}.
 */
@Path("/admin/v1")
@AdminApi
@Produces(MediaType.APPLICATION_JSON)
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "warmwire.admin.token (WARMWIRE_ADMIN_TOKEN)")
@SecurityRequirement(name = "bearer")
@Tag(name = "queue", description = "Queue summary and operator actions")
public class QueueActions {
    private static final Logger LOG = Logger.getLogger(QueueActions.class);

    @Inject
    QueueIndex index;

    /** The classes of events ({@code warmwire.reply-classes.file}); the shipped rules until injected. */
    @Inject
    ReplyRules rules = ReplyRules.defaults();

    @Inject
    IndexQueries queries;

    @Inject
    OperatorDecisions decisions;

    @Inject
    ObjectMapper mapper;

    @Inject
    @Channel("control")
    MutinyEmitter<String> control;

    @Inject
    @Channel("events")
    MutinyEmitter<String> events;

    /** An operator's free-text reason (optional body). */
    public record Reason(String reason) {
    }

    @GET
    @Path("queue")
    @Blocking
    @Operation(summary = "Counts of recipients by status and by site, and the oldest waiting message's age")
    @APIResponse(responseCode = "200", description = "the summary")
    @APIResponse(responseCode = "503", description = "queue index (Infinispan) unreachable")
    public Response summary() {
        try {
            return Response.ok(queries.summary(Instant.now())).build();
        } catch (Exception e) {
            return error(503, "queue index unavailable: " + e.getMessage());
        }
    }

    @GET
    @Path("messages/{id}")
    @Blocking
    @Operation(summary = "One message: envelope and each recipient's latest event")
    @APIResponse(responseCode = "200", description = "the message")
    @APIResponse(responseCode = "401", description = "missing or wrong bearer token")
    @APIResponse(responseCode = "404", description = "unknown message id")
    @APIResponse(responseCode = "503", description = "queue index (Infinispan) unreachable")
    public Response message(@PathParam("id") String id) {
        try {
            return index.message(id).map(n -> Response.ok(n).build()).orElseGet(() -> error(404, "unknown message id " + id));
        } catch (Exception e) {
            return error(503, "queue index unavailable: " + e.getMessage());
        }
    }

    @GET
    @Path("sites")
    @Blocking
    @Operation(summary = "Suspended sites (operator), dead sites (failed cohorts) and throttled sites (a receiver asked to"
            + " slow down: limits halved until a time), as tls-session-service published them")
    public Response sites() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> suspended = new ArrayList<>();
        decisions.keys().stream().filter(k -> k.startsWith("site:")).sorted().forEach(k -> {
            ControlState s = decisions.get(k);
            if (s != null && s.suspended()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("site", k.substring("site:".length()));
                m.put("since", s.updatedAt());
                m.put("reason", s.reason());
                suspended.add(m);
            }
        });
        out.put("suspended", suspended);
        try {
            out.put("dead", queries.deadSites());
            out.put("throttled", queries.throttledSites());
        } catch (Exception e) {
            out.put("dead", List.of());
            out.put("throttled", List.of());
            out.put("deadUnavailable", e.getMessage());
        }
        return Response.ok(out).build();
    }

    @POST
    @Path("messages/{id}/retry")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Retry a deferred message now")
    @APIResponse(responseCode = "202", description = "the decision as written to mail.control")
    @APIResponse(responseCode = "404", description = "unknown message id")
    public Response retryMessage(@PathParam("id") String id) {
        return onMessage(id, s -> s.withRetryRequested(Instant.now()), null);
    }

    @POST
    @Path("messages/{id}/hold")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Hold a message: no further attempt until released")
    public Response hold(@PathParam("id") String id, Reason body) {
        if (AdminInput.reason(raw(body)) != null) {
            return error(400, AdminInput.reason(raw(body)));
        }
        return onMessage(id, s -> s.withHeld(true, Instant.now(), why(body)), null);
    }

    @POST
    @Path("messages/{id}/release")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Release a held message and retry it now")
    public Response release(@PathParam("id") String id) {
        Instant now = Instant.now();
        return onMessage(id, s -> s.withHeld(false, now, null).withRetryRequested(now), null);
    }

    @POST
    @Path("messages/{id}/delete")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Delete a message: never attempted again; its open recipients get a 'deleted' event")
    public Response delete(@PathParam("id") String id, Reason body) {
        if (AdminInput.reason(raw(body)) != null) {
            return error(400, AdminInput.reason(raw(body)));
        }
        String why = why(body);
        return onMessage(id, s -> s.withDeleted(Instant.now(), why), why == null ? "deleted by the operator"
                : "deleted by the operator: " + why);
    }

    @POST
    @Path("sites/{site: .+}/retry")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Retry now every deferred message last deferred at this site")
    public Response retrySite(@Parameter(description = "site key, e.g. mx1.example.com:25/may, or an MX host") @PathParam("site") String site) {
        if (AdminInput.site(site) != null) {
            return error(400, AdminInput.site(site));
        }
        return write(ControlState.siteKey(site), s -> s.withRetryRequested(Instant.now()));
    }

    @POST
    @Path("sites/{site: .+}/suspend")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Suspend a site (site key or MX host): its mail is deferred without connecting")
    public Response suspend(@PathParam("site") String site, Reason body) {
        String bad = AdminInput.site(site) != null ? AdminInput.site(site) : AdminInput.reason(raw(body));
        if (bad != null) {
            return error(400, bad);
        }
        return write(ControlState.siteKey(site), s -> s.withSuspended(true, Instant.now(), why(body)));
    }

    @POST
    @Path("sites/{site: .+}/resume")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Resume a suspended site and retry its mail now")
    public Response resume(@PathParam("site") String site) {
        if (AdminInput.site(site) != null) {
            return error(400, AdminInput.site(site));
        }
        Instant now = Instant.now();
        return write(ControlState.siteKey(site), s -> s.withSuspended(false, now, null).withRetryRequested(now));
    }

    @POST
    @Path("retry")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Retry every deferred message now")
    public Response retryAll() {
        return write(ControlState.ALL, s -> s.withRetryRequested(Instant.now()));
    }

    private static String raw(Reason body) {
        return body == null || body.reason() == null ? null : body.reason().strip();
    }

    private static String why(Reason body) {
        return body == null || body.reason() == null || body.reason().isBlank() ? null : body.reason().strip();
    }

    private Response onMessage(String id, java.util.function.UnaryOperator<ControlState> change, String deleteReason) {
        if (AdminInput.messageId(id) != null) {
            return error(400, AdminInput.messageId(id));
        }
        ObjectNode m;
        try {
            m = index.message(id).orElse(null);
        } catch (Exception e) {
            return error(503, "queue index unavailable: " + e.getMessage());
        }
        if (m == null) {
            return error(404, "unknown message id " + id);
        }
        Response r = write(ControlState.messageKey(id), change);
        if (r.getStatus() == 202 && deleteReason != null) {
            try {
                deletedEvents(id, m, deleteReason);
            } catch (Exception e) {
                LOG.errorf(e, "%s: deleted, but its 'deleted' events were not all published", id);
                return error(500, "deleted, but not all 'deleted' events were published: " + e.getMessage());
            }
        }
        return r;
    }

    private void deletedEvents(String id, ObjectNode m, String reason) throws Exception {
        List<Uni<Void>> sends = new ArrayList<>();
        Instant now = Instant.now();
        var states = m.path("state").fields();
        while (states.hasNext()) {
            var e = states.next();
            JsonNode st = e.getValue();
            Status status = Status.parse(st.path("status").asText("queued").equals("queued") ? "deferred" : st.path("status").asText());
            if (status.isFinal()) {
                continue;
            }
            DeliveryEvent ev = new DeliveryEvent(id, e.getKey(), Status.DELETED, st.path("attempt").asInt(0),
                    st.path("site").isMissingNode() || st.path("site").isNull() ? null : st.path("site").asText(), null, null,
                    "5.0.0", null, null, null, now, reason).classified(rules);
            index.recipientEvent(ev);
            sends.add(events.sendMessage(Message.of(mapper.writeValueAsString(ev))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(id).build())));
        }
        Uni.join().all(sends).andFailFast().await().atMost(Duration.ofSeconds(30));
    }

    private Response write(String key, java.util.function.UnaryOperator<ControlState> change) {
        if (!decisions.caughtUp()) {
            return error(503, "operator decisions (mail.control) not loaded yet in this instance; try again");
        }
        ControlState now = decisions.get(key);
        ControlState next = change.apply(now == null ? ControlState.none(key) : now);
        try {
            control.sendMessage(Message.of(mapper.writeValueAsString(next))
                            .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()))
                    .await().atMost(Duration.ofSeconds(30));
        } catch (Exception e) {
            return error(503, "decision not written to mail.control: " + e.getMessage());
        }
        LOG.infof("operator: %s -> %s", key, next);
        return Response.status(202).entity(next).build();
    }

    static Response error(int status, String message) {
        Map<String, Object> body = new TreeMap<>();
        body.put("error", message);
        body.put("status", status);
        return Response.status(status).entity(body).type(MediaType.APPLICATION_JSON).build();
    }
}
