package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import warmwire.testing.Poll;

/**
 * NAME
 *   ImagesIT - the three container images, built here, deliver a mail against the local Kafka,
 *   Infinispan and Postfix peer.
 * DESCRIPTION
 *   Builds the images with {@code deploy/images/build.sh} (the base image from Debian packages
 *   only when its inputs changed; the service layers are cached), then runs
 *   {@code deploy/images/podman-mesh.sh start}: Kafka, Infinispan and the Postfix demo peer from
 *   the deploy/local scripts, and the three images as podman containers on the host network,
 *   each as Kubernetes would run it (user 10001, read-only root filesystem, no capabilities,
 *   no-new-privileges, a memory limit). Its own state folder ({@code .run/it-images}) and ports
 *   (the IT mesh's ports + 100, + {@code WARMWIRE_IT_PORT_OFFSET}), so it runs beside the IT mesh
 *   in the same JVM. Stopped with {@code podman-mesh.sh stop} afterwards, unless
 *   {@code WARMWIRE_IT_KEEP=1}. Beside them, the local Kubernetes overlay's delivery-service
 *   Deployment runs under {@code podman kube play} (the one workload podman can play).
 * COST
 *   First run on a machine: install of podman & co. (about 15 s), the base image (about 50 s),
 *   the service images (about 15 s), Kafka + Infinispan + peer (20-70 s, jar copies included).
 *   Later runs: about 40 s of start-up, a few seconds of test and 10 s of stop.
 */
class ImagesIT {
    static final int OFFSET = Mesh.PORT_OFFSET;
    static final int KAFKA_PORT = 19292 + OFFSET;
    static final int INFINISPAN_PORT = 11522 + OFFSET;
    static final int QUEUE_PORT = 18181 + OFFSET;
    static final int PEER_TLS_PORT = 12725 + OFFSET;
    static final int PEER_PLAIN_PORT = 12726 + OFFSET;
    static final String PREFIX = "warmwire-it" + OFFSET + "-";
    static final String[] SERVICES = {"queue-service", "delivery-service", "tls-session-service"};
    static final String MEMORY = "512m";

    private static final Path ROOT = Path.of(System.getProperty("warmwire.root", "..")).toAbsolutePath().normalize();
    private static final Path STATE = ROOT.resolve(".run/it-images");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private static Events events;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start() throws Exception {
        run(Duration.ofMinutes(10), "deploy/images/build.sh");
        run(Duration.ofMinutes(6), "deploy/images/podman-mesh.sh", "start");
        String bootstrap = "127.0.0.1:" + KAFKA_PORT;
        events = new Events(bootstrap, JSON);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (events != null) {
            events.close();
        }
        if (!"1".equals(System.getenv("WARMWIRE_IT_KEEP"))) {
            run(Duration.ofMinutes(3), "deploy/images/podman-mesh.sh", "stop");
        }
    }

    @Test
    void mailThroughTheImagesIsDeliveredToThePeerOverStarttls() throws Exception {
        Mail mail = new Mail("sender@warmwire.test", "alice@tls.test");
        producer.send(new ProducerRecord<>("mail.submit", mail.id, mail.json())).get(30, TimeUnit.SECONDS);

        JsonNode e = events.awaitEvents(mail.id, 1, Duration.ofSeconds(120)).get(0);
        assertEquals("delivered", e.path("status").asText(), e.toString());
        assertEquals("alice@tls.test", e.path("recipient").asText(), e.toString());
        assertEquals(250, e.path("smtp").path("code").asInt(), e.toString());
        assertTrue(e.path("tls").path("version").asText().startsWith("TLSv1."), e.toString());
        assertTrue(e.path("relay").asText().endsWith("[127.0.0.1]:" + PEER_TLS_PORT), e.toString());

        // the receiver took it, over TLS
        String log = awaitInPeerLog("message-id=<" + mail.messageId + ">");
        assertTrue(log.contains("TLS connection established from"), "a TLS handshake logged by the receiver");
        // and it was the containers that did the work: tls-session-service logged the delivery line
        // (a first attempt delivered to every recipient publishes its events there)
        assertTrue(awaitInContainerLog("tls-session-service", mail.id + ": to=<alice@tls.test>"),
                "the session container logged the delivery");
    }

    @Test
    void everyContainerIsReadyAndRunsAsKubernetesWouldRunIt() throws Exception {
        for (int i = 0; i < SERVICES.length; i++) {
            String name = PREFIX + SERVICES[i];
            int port = QUEUE_PORT + i;
            for (String probe : List.of("/q/health/live", "/q/health/ready")) {
                HttpResponse<String> r = get("http://127.0.0.1:" + port + probe);
                assertEquals(200, r.statusCode(), name + probe + ": " + r.body());
                assertEquals("UP", JSON.readTree(r.body()).path("status").asText(), name + probe + ": " + r.body());
            }
            // the image's HEALTHCHECK (curl inside the container) passes
            assertEquals(0, podman(Duration.ofSeconds(30), "healthcheck", "run", name).exitCode, name + " healthcheck");

            JsonNode c = JSON.readTree(podman(Duration.ofSeconds(30), "container", "inspect", name).out).get(0);
            assertTrue(c.path("State").path("Running").asBoolean(), name + " running");
            assertEquals("10001:10001", c.path("Config").path("User").asText(), name + " user");
            assertTrue(c.path("HostConfig").path("ReadonlyRootfs").asBoolean(), name + " read-only root");
            assertEquals(512L * 1024 * 1024, c.path("HostConfig").path("Memory").asLong(), name + " memory limit");
            assertEquals(0, c.path("RestartCount").asInt(), name + " restarts");

            Exec id = podman(Duration.ofSeconds(30), "exec", name, "id", "-u");
            assertEquals("10001", id.out.trim(), name + " runs as uid 10001");
            Exec write = podman(Duration.ofSeconds(30), "exec", name, "sh", "-c", "touch /deployments/x");
            assertTrue(write.exitCode != 0 && write.out.contains("Read-only"), name + " root fs writable: " + write.out);
            // the heap follows the container's memory limit (MaxRAMPercentage=75 of 512 MiB), read
            // from /q/metrics
            HttpResponse<String> metrics = get("http://127.0.0.1:" + port + "/q/metrics");
            assertEquals(200, metrics.statusCode(), name + " /q/metrics");
            long max = heapMax(metrics.body());
            assertTrue(max > 256L * 1024 * 1024 && max <= 384L * 1024 * 1024, name + " heap max " + max);
        }
    }

    /**
     * The local overlay's delivery-service Deployment and its ConfigMap, rendered by kustomize, run
     * under {@code podman kube play}. Adapted only where podman on the host network needs it:
     * Kafka's and Infinispan's addresses, an HTTP port of this test's own on 127.0.0.1, no
     * {@code ports:} (they fail with host networking), and the Infinispan credentials as values
     * (podman 4.3 fails on {@code secretKeyRef} variables; the values are the local server's, from
     * {@code infinispan.sh env}). queue-service and tls-session-service are not played: podman
     * rejects StatefulSets, and one Deployment shows what the manifests' pod settings do.
     */
    @Test
    void localOverlayDeploymentRunsUnderPodmanKubePlay() throws Exception {
        int port = QUEUE_PORT + 101;
        ObjectMapper yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
        Process render = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("deploy/k8s/overlays/local").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String rendered = new String(render.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(render.waitFor(60, TimeUnit.SECONDS) && render.exitValue() == 0, "kubectl kustomize overlays/local");
        StringBuilder play = new StringBuilder();
        String pod = PREFIX + "kube-delivery";
        Map<String, String> infinispan = new HashMap<>();
        for (String line : run(Duration.ofSeconds(30), "deploy/local/infinispan.sh", "env").split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^export (\\w+)=(\\S+)$").matcher(line.trim());
            if (m.matches()) {
                infinispan.put(m.group(1), m.group(2));
            }
        }
        assertEquals(3, infinispan.size(), "infinispan.sh env: hosts, user name and password");
        try (var parser = yaml.getFactory().createParser(rendered)) {
            for (var it = yaml.readValues(parser, com.fasterxml.jackson.databind.node.ObjectNode.class); it.hasNext(); ) {
                var o = it.next();
                if (o == null || o.isEmpty()) {
                    continue;
                }
                String kind = o.path("kind").asText();
                String name = o.path("metadata").path("name").asText();
                if (kind.equals("ConfigMap") && name.equals("warmwire-config")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("data")).put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + KAFKA_PORT);
                    ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("data")).put("QUARKUS_INFINISPAN_CLIENT_HOSTS",
                            infinispan.get("QUARKUS_INFINISPAN_CLIENT_HOSTS"));
                } else if (kind.equals("Deployment") && name.equals("delivery-service")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("metadata")).put("name", pod);
                    var c = (com.fasterxml.jackson.databind.node.ObjectNode) o.at("/spec/template/spec/containers/0");
                    c.remove("ports");
                    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) c.at("/" + probe + "/httpGet")).put("port", port);
                    }
                    var env = (com.fasterxml.jackson.databind.node.ArrayNode) c.get("env");
                    env.forEach(e -> {
                        String var = e.path("name").asText();
                        if (var.equals("QUARKUS_HTTP_PORT")) {
                            ((com.fasterxml.jackson.databind.node.ObjectNode) e).put("value", String.valueOf(port));
                        } else if (e.has("valueFrom") && infinispan.containsKey(var)) {
                            ((com.fasterxml.jackson.databind.node.ObjectNode) e).remove("valueFrom");
                            ((com.fasterxml.jackson.databind.node.ObjectNode) e).put("value", infinispan.get(var));
                        }
                    });
                    env.forEach(e -> assertTrue(!e.has("valueFrom"), "a secret podman cannot play: " + e));
                    env.addObject().put("name", "QUARKUS_HTTP_HOST").put("value", "127.0.0.1");
                } else {
                    continue;
                }
                play.append("---\n").append(yaml.writeValueAsString(o).replaceFirst("^---\\s*\n", ""));
            }
        }
        Path file = STATE.resolve("kube-play-local.yaml");
        Files.createDirectories(STATE);
        Files.writeString(file, play.toString());
        podman(Duration.ofSeconds(60), "kube", "down", file.toString());
        try {
            Exec up = podman(Duration.ofMinutes(2), "kube", "play", "--network", "host", file.toString());
            assertEquals(0, up.exitCode, "podman kube play: " + up.out);
            Poll.until(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
                try {
                    return get("http://127.0.0.1:" + port + "/q/health/ready");
                } catch (IOException notYet) {
                    return null; // not listening yet
                }
            }, r -> r != null && r.statusCode() == 200,
                    r -> "played delivery-service ready: " + (r == null ? "no answer" : r.body()));
            String container = pod + "-pod-0-delivery-service";
            JsonNode c = JSON.readTree(podman(Duration.ofSeconds(30), "container", "inspect", container).out).get(0);
            assertEquals("10001:10001", c.path("Config").path("User").asText(), container + " user (from the pod's securityContext)");
            assertTrue(c.path("HostConfig").path("ReadonlyRootfs").asBoolean(), container + " read-only root (readOnlyRootFilesystem)");
            assertEquals(512L * 1024 * 1024, c.path("HostConfig").path("Memory").asLong(), container + " memory limit (resources.limits)");
        } finally {
            podman(Duration.ofSeconds(90), "kube", "down", file.toString());
        }
    }

    /** Sum of jvm_memory_max_bytes over the heap pools, from the Prometheus text. */
    private static long heapMax(String metrics) {
        long sum = 0;
        boolean seen = false;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_max_bytes{") && line.contains("area=\"heap\"")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (v > 0) {
                    sum += (long) v;
                }
                seen = true;
            }
        }
        assertTrue(seen, "jvm_memory_max_bytes for the heap in /q/metrics");
        return sum;
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String awaitInPeerLog(String needle) throws Exception {
        Path log = Path.of(run(Duration.ofSeconds(30), "deploy/local/postfix-peer.sh", "log-path", "demo").trim());
        return Poll.until(Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "", text -> text.contains(needle),
                text -> "not in the peer log " + log + ": " + needle);
    }

    private static boolean awaitInContainerLog(String service, String needle) throws Exception {
        try {
            Poll.until(Duration.ofSeconds(10), Duration.ofMillis(200), () -> podman(Duration.ofSeconds(30), "logs", PREFIX + service).out,
                    out -> out.contains(needle), out -> needle);
            return true;
        } catch (AssertionError notThere) {
            return false;
        }
    }

    /** The environment of podman-mesh.sh: ports of this test's own, state under .run/it-images. */
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("WARMWIRE_STATE_DIR", STATE.toString());
        env.put("WARMWIRE_KAFKA_PORT", String.valueOf(KAFKA_PORT));
        env.put("WARMWIRE_KAFKA_CONTROLLER_PORT", String.valueOf(KAFKA_PORT + 1));
        env.put("WARMWIRE_INFINISPAN_PORT", String.valueOf(INFINISPAN_PORT));
        env.put("WARMWIRE_INFINISPAN_JGROUPS_PORT", String.valueOf(7700 + OFFSET));
        env.put("WARMWIRE_QUEUE_PORT", String.valueOf(QUEUE_PORT));
        env.put("WARMWIRE_DELIVERY_PORT", String.valueOf(QUEUE_PORT + 1));
        env.put("WARMWIRE_SESSION_PORT", String.valueOf(QUEUE_PORT + 2));
        env.put("WARMWIRE_PEER_TLS_PORT", String.valueOf(PEER_TLS_PORT));
        env.put("WARMWIRE_PEER_PLAIN_PORT", String.valueOf(PEER_PLAIN_PORT));
        env.put("WARMWIRE_CONTAINER_PREFIX", PREFIX);
        env.put("WARMWIRE_CONTAINER_MEMORY", MEMORY);
        return env;
    }

    private record Exec(int exitCode, String out) {
    }

    private static Exec podman(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CONTAINERS_CONF", ROOT.resolve(".run/images/containers.conf").toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("podman " + String.join(" ", args) + " did not end in " + timeout);
        }
        return new Exec(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static String run(Duration timeout, String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().putAll(env());
        Path log = Files.createTempFile("images-it", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        Files.delete(log);
        if (!done || p.exitValue() != 0) {
            throw new AssertionError(script + " " + String.join(" ", args) + (done ? " exited " + p.exitValue() : " timed out")
                    + ":\n" + out);
        }
        return out;
    }
}
