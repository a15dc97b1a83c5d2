package warmwire.session.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import warmwire.contracts.control.ControlState;

class SuspendedSitesTest {
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
    private final SuspendedSites sites = new SuspendedSites(json, Map.of(), "mail.control", false);

    private void put(String key, ControlState s) throws Exception {
        sites.apply(key, s == null ? null : json.writeValueAsString(s));
    }

    @Test
    void suspendResumeAndTombstoneBySiteKeyOrMxHost() throws Exception {
        String site = "mx1.example.com,mx2.example.com:25/may";
        assertNull(sites.apply(site));
        put(ControlState.siteKey(site), ControlState.none(ControlState.siteKey(site)).withSuspended(true, Instant.now(), "maintenance"));
        assertEquals("maintenance", sites.apply(site));
        put(ControlState.siteKey(site), ControlState.none(ControlState.siteKey(site)).withSuspended(false, Instant.now(), null));
        assertNull(sites.apply(site));

        put(ControlState.siteKey("mx2.example.com"), ControlState.none("site:mx2.example.com").withSuspended(true, Instant.now(), null));
        assertEquals("", sites.apply(site), "one of the site's MX hosts is suspended");
        assertNull(sites.apply("other.example.com:25/may"));
        put(ControlState.siteKey("mx2.example.com"), null); // compaction tombstone
        assertNull(sites.apply(site));
    }

    @Test
    void messageDecisionsAndGarbageAreIgnored() throws Exception {
        put(ControlState.messageKey("m1"), ControlState.none("message:m1").withHeld(true, Instant.now(), null));
        sites.apply("site:x:25/may", "{not json");
        assertEquals(Map.of(), sites.list());
    }
}
