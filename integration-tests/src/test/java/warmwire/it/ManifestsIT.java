package warmwire.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import warmwire.contracts.TopicDefinitions;

/**
 * NAME
 *   ManifestsIT - the Kubernetes overlays render offline and every object is one the API
 *   types accept; topics and caches are the ones the code uses.
 * DESCRIPTION
 *   Renders deploy/k8s/overlays/local and /production with {@code kubectl kustomize} (no
 *   cluster needed), reads every object into its model class - the fabric8 Kubernetes model for
 *   the built-in kinds, Strimzi's own api model for Kafka, KafkaNodePool, KafkaTopic and
 *   KafkaUser - and fails on any field the type does not know (fabric8 and Strimzi keep unknown
 *   fields in additionalProperties: every one found anywhere in the object is an error) and on
 *   any kind it cannot check. The Infinispan Operator publishes no model on the reachable
 *   registries: its Infinispan and Cache resources are checked for their structure only (api
 *   version, the fields the operator requires, JSON cache templates).
 *   Then: the KafkaTopic resources equal contracts' topics.tsv (the list the local broker is
 *   made from); the Cache resources equal the caches the services declare
 *   (quarkus.infinispan-client.cache.NAME.configuration); the workloads run as the images
 *   expect (non-root, read-only root, no privilege escalation, probes on /q/health/live and
 *   /q/health/ready, resources), the StatefulSet's grace period outlasts the shard hand-off, and
 *   no Secret is rendered (secrets are never in the repository).
 * NOT CHECKED
 *   Nothing is applied to a cluster (none can run on these machines). `podman kube play` of
 *   the local overlay's delivery-service Deployment runs in ImagesIT, beside the images.
 */
class ManifestsIT {
    private static final Path ROOT = Path.of(System.getProperty("warmwire.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    /** Strict reader: the model classes take unknown fields into additionalProperties, checked below. */
    private static final ObjectMapper MODEL = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final Map<String, Class<?>> TYPES = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("kafka.strimzi.io/v1beta2/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", KafkaUser.class));

    @ParameterizedTest
    @ValueSource(strings = {"local", "production"})
    void everyRenderedObjectIsAValidKubernetesObject(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        assertTrue(objects.size() > 20, overlay + ": " + objects.size() + " objects");
        Map<String, Integer> kinds = new TreeMap<>();
        for (JsonNode o : objects) {
            String type = o.path("apiVersion").asText() + "/" + o.path("kind").asText();
            String what = overlay + ": " + type + " " + o.path("metadata").path("name").asText();
            kinds.merge(o.path("kind").asText(), 1, Integer::sum);
            assertFalse(o.path("kind").asText().equals("Secret"), what + ": secrets are never in the repository");
            if (o.path("apiVersion").asText().startsWith("infinispan.org/")) {
                checkInfinispan(o, what);
                continue;
            }
            Class<?> cls = TYPES.get(type);
            assertNotNull(cls, what + ": a kind this test cannot check");
            Object model = MODEL.treeToValue(o, cls);
            List<String> unknown = new ArrayList<>();
            unknownFields(model, "", unknown, new IdentityHashMap<>());
            assertEquals(List.of(), unknown, what + ": fields its type does not know");
        }
        for (String k : List.of("Deployment", "StatefulSet", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                "NetworkPolicy", "ConfigMap", "Kafka", "KafkaNodePool", "KafkaTopic", "Infinispan", "Cache")) {
            assertTrue(kinds.containsKey(k), overlay + " renders no " + k + ": " + kinds);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "production"})
    void workloadsRunAsTheImagesExpect(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        Map<String, PodSpec> pods = new LinkedHashMap<>();
        for (JsonNode o : objects) {
            switch (o.path("kind").asText()) {
                case "Deployment" -> pods.put(o.path("metadata").path("name").asText(),
                        MODEL.treeToValue(o, Deployment.class).getSpec().getTemplate().getSpec());
                case "StatefulSet" -> pods.put(o.path("metadata").path("name").asText(),
                        MODEL.treeToValue(o, StatefulSet.class).getSpec().getTemplate().getSpec());
                default -> { }
            }
        }
        assertEquals(Set.of("queue-service", "delivery-service", "tls-session-service"), pods.keySet());
        for (Map.Entry<String, PodSpec> e : pods.entrySet()) {
            String what = overlay + ": " + e.getKey();
            PodSpec pod = e.getValue();
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), what);
            assertEquals(10001L, pod.getSecurityContext().getRunAsUser(), what);
            Container c = pod.getContainers().get(0);
            assertTrue(c.getImage().endsWith("/" + e.getKey() + ":0.1.0-SNAPSHOT") || c.getImage().endsWith("/" + e.getKey() + ":0.1.0"),
                    what + " image " + c.getImage());
            assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), what);
            assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem(), what);
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), what);
            assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), what);
            assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), what);
            assertNotNull(c.getResources().getLimits().get("memory"), what + " memory limit");
            assertNotNull(c.getResources().getRequests().get("cpu"), what + " cpu request");
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), what + " writable /tmp");
        }
        // the shard hand-off and the QUITs end before the pod is killed
        Properties session = properties("tls-session-service");
        long handoff = Duration.parse("PT" + session.getProperty("warmwire.session.handoff-timeout").toUpperCase()).toSeconds();
        long shutdown = Duration.parse("PT" + session.getProperty("warmwire.session.shutdown-timeout").toUpperCase()).toSeconds();
        long grace = pods.get("tls-session-service").getTerminationGracePeriodSeconds();
        assertTrue(grace > handoff + shutdown, overlay + ": grace " + grace + " s <= hand-off " + handoff + " + shutdown " + shutdown);
        // the static-membership id comes from the pod's stable name
        assertTrue(session.getProperty("warmwire.session.instance-id").startsWith("${HOSTNAME"),
                "instance id from HOSTNAME (the StatefulSet pod name)");
    }

    @Test
    void kafkaTopicsAreTheTopicsOfTheOneList() throws Exception {
        Map<String, TopicDefinitions.Topic> defined = new TreeMap<>();
        for (TopicDefinitions.Topic t : TopicDefinitions.load()) {
            defined.put(t.name(), t);
        }
        Map<String, KafkaTopic> rendered = new TreeMap<>();
        for (JsonNode o : render("production")) {
            if (o.path("kind").asText().equals("KafkaTopic")) {
                KafkaTopic t = MODEL.treeToValue(o, KafkaTopic.class);
                rendered.put(t.getSpec().getTopicName(), t);
            }
        }
        assertEquals(defined.keySet(), rendered.keySet(), "KafkaTopic resources vs topics.tsv (run deploy/k8s/topics.sh)");
        for (TopicDefinitions.Topic d : defined.values()) {
            KafkaTopic k = rendered.get(d.name());
            Map<String, Object> config = k.getSpec().getConfig();
            assertEquals(d.partitions(), k.getSpec().getPartitions(), d.name() + " partitions");
            assertEquals(d.cleanupPolicy(), String.valueOf(config.get("cleanup.policy")), d.name() + " cleanup.policy");
            assertEquals(d.retentionMs().isPresent() ? String.valueOf(d.retentionMs().getAsLong()) : "null",
                    String.valueOf(config.get("retention.ms")), d.name() + " retention.ms");
            assertEquals(d.maxMessageBytes().isPresent() ? String.valueOf(d.maxMessageBytes().getAsLong()) : "null",
                    String.valueOf(config.get("max.message.bytes")), d.name() + " max.message.bytes");
        }
    }

    @Test
    void infinispanCachesAreTheCachesTheServicesDeclare() throws Exception {
        Map<String, JsonNode> declared = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String service : List.of("queue-service", "delivery-service", "tls-session-service")) {
            Properties p = properties(service);
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("quarkus.infinispan-client.cache.") && key.endsWith(".configuration")) {
                    String name = key.substring("quarkus.infinispan-client.cache.".length(), key.length() - ".configuration".length());
                    JsonNode config = json.readTree(p.getProperty(key));
                    JsonNode before = declared.put(name, config);
                    assertTrue(before == null || before.equals(config), name + " declared differently by two services");
                }
            }
        }
        Map<String, JsonNode> resources = new TreeMap<>();
        for (JsonNode o : render("production")) {
            if (o.path("kind").asText().equals("Cache")) {
                resources.put(o.path("spec").path("name").asText(), json.readTree(o.path("spec").path("template").asText()));
            }
        }
        assertEquals(declared, resources, "Cache resources vs the services' cache configurations");
        assertTrue(declared.keySet().containsAll(List.of("warmwire-queue-state", "warmwire-queue-ids", "warmwire-sites",
                "warmwire-tickets", "warmwire-shards")), declared.keySet().toString());
    }

    @Test
    void productionKafkaClientsUseTlsAndScram() throws Exception {
        List<JsonNode> objects = render("production");
        JsonNode config = find(objects, "ConfigMap", "warmwire-config").path("data");
        assertEquals("SASL_SSL", config.path("KAFKA_SECURITY_PROTOCOL").asText());
        assertEquals("SCRAM-SHA-512", config.path("KAFKA_SASL_MECHANISM").asText());
        Kafka kafka = MODEL.treeToValue(find(objects, "Kafka", "warmwire"), Kafka.class);
        assertTrue(kafka.getSpec().getKafka().getListeners().stream()
                .allMatch(l -> l.isTls() && l.getAuth() != null && "scram-sha-512".equals(l.getAuth().getType())),
                "every listener TLS + SCRAM");
        KafkaUser user = MODEL.treeToValue(find(objects, "KafkaUser", "warmwire-services"), KafkaUser.class);
        assertEquals("scram-sha-512", user.getSpec().getAuthentication().getType());
    }

    private static JsonNode find(List<JsonNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                && o.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    /** The Infinispan Operator's resources: structure only (no model on the reachable registries). */
    private static void checkInfinispan(JsonNode o, String what) throws IOException {
        switch (o.path("kind").asText()) {
            case "Infinispan" -> {
                assertEquals("infinispan.org/v1", o.path("apiVersion").asText(), what);
                assertTrue(o.path("spec").path("replicas").isInt(), what + " spec.replicas");
                assertEquals("DataGrid", o.path("spec").path("service").path("type").asText(), what);
                assertTrue(o.path("spec").path("security").path("endpointAuthentication").asBoolean(), what + " authentication on");
            }
            case "Cache" -> {
                assertEquals("infinispan.org/v2alpha1", o.path("apiVersion").asText(), what);
                assertFalse(o.path("spec").path("clusterName").asText().isEmpty(), what + " spec.clusterName");
                assertFalse(o.path("spec").path("name").asText().isEmpty(), what + " spec.name");
                new ObjectMapper().readTree(o.path("spec").path("template").asText());
            }
            default -> fail(what + ": unknown Infinispan kind");
        }
    }

    /** Collects every additionalProperties entry reachable from a fabric8 or Strimzi model object. */
    @SuppressWarnings("unchecked")
    private static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.kubernetes.api.model") && !pkg.startsWith("io.strimzi.api")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add((path.isEmpty() ? "" : path) + " " + ((Map<String, Object>) extra).keySet());
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            unknownFields(v, path + "." + field, out, seen);
        }
    }

    /** {@code service}'s application.properties as the repository has it (also ClaimsMemoryIT's declared cache). */
    static Properties properties(String service) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(ROOT.resolve(service + "/src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }

    private static List<JsonNode> render(String overlay) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("deploy/k8s/overlays/" + overlay).toString());
        Path err = Files.createTempFile("kustomize", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize timed out");
        String stderr = Files.readString(err);
        Files.delete(err);
        assertEquals(0, p.exitValue(), "kubectl kustomize " + overlay + ": " + stderr);
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(new String(out, StandardCharsets.UTF_8))) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    objects.add(n);
                }
            }
        }
        return objects;
    }
}
