package warmwire.queue.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * NAME
 *   AdminErrors - every error of the HTTP API answers with the admin API's JSON error body.
 * DESCRIPTION
 *   The resources answer their own errors ({@link QueueActions#error}); these mappers cover
 *   what fails before a resource method runs: a body that is not JSON or not of the expected
 *   shape (400), an unknown path (404), a method the path does not allow (405), and any other
 *   framework status. All get {@code {"error": ..., "status": ...}}. An unexpected exception
 *   is a 500 with a generic message (the cause is logged, not shown).
 */
public class AdminErrors {
    private static final Logger LOG = Logger.getLogger(AdminErrors.class);

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return QueueActions.error(400, "malformed JSON body: " + e.getOriginalMessage());
    }

    /** JSON of the wrong shape; named so it wins over quarkus-rest-jackson's own mapper (empty body outside dev mode). */
    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response wrongShape(MismatchedInputException e) {
        return malformedJson(e);
    }

    /** Not JSON at all (the reader wraps it in a 400 WebApplicationException; named in case it does not). */
    @ServerExceptionMapper
    public Response notJson(StreamReadException e) {
        return malformedJson(e);
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response r = e.getResponse();
        int status = r == null ? 500 : r.getStatus();
        if (e.getCause() instanceof JsonProcessingException j) {
            return malformedJson(j);
        }
        String reason = r == null || r.getStatusInfo() == null ? "error" : r.getStatusInfo().getReasonPhrase();
        return QueueActions.error(status, reason == null ? "error" : reason.toLowerCase(java.util.Locale.ROOT));
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.errorf(e, "admin API: unexpected error");
        return QueueActions.error(500, "internal error (logged)");
    }
}
