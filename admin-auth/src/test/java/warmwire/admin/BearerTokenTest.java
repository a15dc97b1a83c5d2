package warmwire.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerTokenTest {
    @Test
    void onlyTheConfiguredTokenIsAccepted() {
        assertTrue(BearerToken.accepts("s3cret", "Bearer s3cret"));
        assertTrue(BearerToken.accepts("s3cret", "Bearer  s3cret "), "surrounding blanks are not part of the token");
        assertFalse(BearerToken.accepts("s3cret", "Bearer s3cre"));
        assertFalse(BearerToken.accepts("s3cret", "Basic s3cret"));
        assertFalse(BearerToken.accepts("s3cret", null), "no Authorization header: 401");
    }

    @Test
    void withoutAConfiguredTokenNothingIsAccepted() {
        assertFalse(BearerToken.accepts(null, "Bearer anything"));
        assertFalse(BearerToken.accepts("", "Bearer "));
        assertTrue(BearerToken.why(null).contains("not configured"));
    }
}
