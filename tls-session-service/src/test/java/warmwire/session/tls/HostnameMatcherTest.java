package warmwire.session.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostnameMatcherTest {

    @Test
    void wildcardMatchesOneLeftmostLabel() {
        assertTrue(HostnameMatcher.nameMatches("*.example.com", "mx1.example.com"));
        assertFalse(HostnameMatcher.nameMatches("*.example.com", "a.mx1.example.com"));
        assertFalse(HostnameMatcher.nameMatches("*.example.com", "example.com"));
        assertFalse(HostnameMatcher.nameMatches("*.com", "example.com"));
        assertTrue(HostnameMatcher.nameMatches("mx.example.com", "mx.example.com"));
        assertFalse(HostnameMatcher.nameMatches("mx.example.com", "mx2.example.com"));
    }
}
