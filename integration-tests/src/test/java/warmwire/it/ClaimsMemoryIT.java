package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.configuration.ConfigurationBuilder;
import org.infinispan.commons.configuration.StringConfiguration;
import org.junit.jupiter.api.Test;
import warmwire.contracts.marks.IndexMarks;

/**
 * NAME
 *   ClaimsMemoryIT - the client-id claims' cache holds a bounded number of claims in the
 *   server's heap and still refuses an id whose claim left it.
 * DESCRIPTION
 *   Intake claims every client id in {@code warmwire-queue-ids} for the index lifespan (7 days).
 *   Without a memory bound every claim written since the server started stays on its heap: at
 *   1,000 submissions a second that is hundreds of millions of entries, and the server dies of
 *   its heap. The cache declared by delivery-service (its application.properties, as the service
 *   creates it) bounds memory and writes through to the file store, so a claim evicted from
 *   memory is read back from the store.
 *   Here, on the mesh's real Infinispan Server: that configuration, with the bound made small
 *   ({@value #BOUND}) and statistics on, under a cache name of its own; {@value #CLAIMS} claims
 *   written in batches as intake writes them ({@link IndexMarks}, the code DuplicateIds uses);
 *   then the server holds at most {@value #BOUND} in memory, and every claim, the first ones
 *   included, is still known with the record that carried it.
 */
class ClaimsMemoryIT {
    private static final int BOUND = 100;
    private static final int CLAIMS = 1000;

    private final Mesh mesh = Mesh.get();

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void claimsBeyondTheMemoryBoundAreKeptInTheStore() throws Exception {
        JsonNode declared = declared();
        JsonNode memory = declared.path("distributed-cache").path("memory");
        JsonNode persistence = declared.path("distributed-cache").path("persistence");
        assertTrue(memory.path("max-count").asLong() > 0, "the claims' cache bounds its entries in memory: " + declared);
        assertEquals("REMOVE", memory.path("when-full").asText(), "evicted from memory, not refused: " + declared);
        assertTrue(persistence.has("file-store") && !persistence.path("passivation").asBoolean(true),
                "written through to the file store: " + declared);

        ObjectNode small = (ObjectNode) declared.deepCopy();
        ((ObjectNode) small.path("distributed-cache").path("memory")).put("max-count", String.valueOf(BOUND));
        claimBeyondTheBound(small);
    }

    private JsonNode declared() throws Exception {
        return json.readTree(ManifestsIT.properties("delivery-service")
                .getProperty("quarkus.infinispan-client.cache.warmwire-queue-ids.configuration"));
    }

    /**
     * Makes a cache of {@code config} with statistics on (under a name of its own), writes
     * {@value #CLAIMS} claims as intake writes them and checks that at most {@value #BOUND} are in
     * memory and all are known.
     */
    private void claimBeyondTheBound(ObjectNode config) throws Exception {
        ((ObjectNode) config.path("distributed-cache")).put("statistics", true);
        String name = "warmwire-queue-ids-it-" + UUID.randomUUID();
        Properties credentials = new Properties();
        try (Reader in = Files.newBufferedReader(mesh.state.resolve("infinispan/credentials"))) {
            credentials.load(in);
        }
        ConfigurationBuilder b = new ConfigurationBuilder();
        b.addServer().host("127.0.0.1").port(Mesh.INFINISPAN_PORT);
        b.security().authentication().username(credentials.getProperty("username")).password(credentials.getProperty("password"));
        try (RemoteCacheManager manager = new RemoteCacheManager(b.build())) {
            RemoteCache<String, String> remote = manager.administration()
                    .getOrCreateCache(name, new StringConfiguration(json.writeValueAsString(config)));
            try {
                IndexMarks claims = new IndexMarks(remote, "id:", "duplicate-id", Duration.ofDays(7).toSeconds(), Duration.ofSeconds(30));
                List<String> ids = new ArrayList<>();
                for (int batch = 0; batch < CLAIMS / 100; batch++) {
                    Map<String, String> poll = new HashMap<>();
                    for (int i = 0; i < 100; i++) {
                        String id = "claim-" + (batch * 100 + i);
                        ids.add(id);
                        poll.put(id, "mail.submit/0/" + (batch * 100 + i));
                    }
                    claims.put(poll).toCompletableFuture().get();
                }

                JsonNode stats = statistics(name, credentials);
                int inMemory = stats.path("approximate_entries_in_memory").asInt(-1);
                assertTrue(inMemory > 0 && inMemory <= BOUND, inMemory + " claims in the server's memory, bound " + BOUND + ": " + stats);
                assertTrue(stats.path("evictions").asLong() >= CLAIMS - BOUND, "the others were evicted from memory: " + stats);

                Map<String, String> known = claims.known(ids);
                assertEquals(CLAIMS, known.size(), "every claim is known, evicted from memory or not");
                assertEquals("mail.submit/0/0", known.get("claim-0"), "the first claim, long evicted, names its record");
                assertEquals("mail.submit/0/999", known.get("claim-999"));
                assertEquals(0, claims.unchecked(), "no claim read unchecked");
            } finally {
                manager.administration().removeCache(name);
            }
        }
    }

    /**
     * The cache's statistics from the server's REST API (Hot Rod's have no count of the entries in
     * memory), with HTTP Digest authentication (RFC 7616), the mechanism the server offers.
     */
    private JsonNode statistics(String cache, Properties credentials) throws Exception {
        String path = "/rest/v2/caches/" + cache + "?action=stats";
        URI uri = URI.create("http://127.0.0.1:" + Mesh.INFINISPAN_PORT + path);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, challenge.statusCode(), "an unauthenticated request is refused: " + challenge.body());
        String offer = challenge.headers().allValues("WWW-Authenticate").stream()
                .filter(h -> h.startsWith("Digest ") && algorithm(h).equals("MD5")).findFirst()
                .orElseThrow(() -> new AssertionError("no Digest MD5 offer: " + challenge.headers().map()));
        String realm = param(offer, "realm"), nonce = param(offer, "nonce"), cnonce = UUID.randomUUID().toString();
        String ha1 = md5(credentials.getProperty("username") + ":" + realm + ":" + credentials.getProperty("password"));
        String ha2 = md5("GET:" + path);
        String response = md5(ha1 + ":" + nonce + ":00000001:" + cnonce + ":auth:" + ha2);
        String authorization = "Digest username=\"" + credentials.getProperty("username") + "\", realm=\"" + realm + "\", nonce=\""
                + nonce + "\", uri=\"" + path + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"" + cnonce + "\", response=\""
                + response + "\"";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "cache statistics: " + r.body());
        return json.readTree(r.body());
    }

    private static String algorithm(String offer) {
        String a = param(offer, "algorithm");
        return a == null ? "MD5" : a;
    }

    /** A parameter of a Digest challenge, quoted or not; null when absent. */
    private static String param(String offer, String name) {
        Matcher m = Pattern.compile("[ ,]" + name + "=(?:\"([^\"]*)\"|([^,\\s]*))").matcher(offer);
        return m.find() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
    }

    private static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
