package warmwire.contracts.check;

import java.time.Instant;

/** Valid records of every internal topic, as the services write them (tests, PoisonRecordsIT). */
public final class Samples {
    private Samples() {
    }

    public static String queued(String id, String rcpt, Instant now, Instant notBefore) {
        return "{\"id\":\"" + id + "\",\"from\":\"me@sender.test\",\"recipients\":[\"" + rcpt + "\"],"
                + "\"contentBase64\":\"U3ViamVjdDogaGkNCg0KaGVsbG8NCg==\",\"tls\":\"may\",\"tenant\":\"t\","
                + "\"dsn\":{\"notify\":[\"FAILURE\"],\"ret\":\"HDRS\"},\"attempt\":2,\"submittedAt\":\"" + now + "\""
                + (notBefore == null ? "" : ",\"notBefore\":\"" + notBefore + "\"") + ",\"delayNotified\":false}";
    }

    public static String job(String messageId, String rcpt, String host, int port, Instant now) {
        String site = host + ":" + port + "/may";
        return "{\"jobId\":\"" + messageId + "/1/" + site + "\",\"messageId\":\"" + messageId + "\","
                + "\"site\":{\"hosts\":[\"" + host + "\"],\"port\":" + port + ",\"tls\":\"may\"},"
                + "\"endpoints\":[{\"host\":\"" + host + "\",\"address\":\"127.0.0.1\",\"port\":" + port
                + ",\"preference\":0}],\"from\":\"me@sender.test\",\"recipients\":[\"" + rcpt + "\"],"
                + "\"contentBase64\":\"U3ViamVjdDogaGkNCg0KaGVsbG8NCg==\",\"tls\":\"may\",\"attempt\":1,"
                + "\"submittedAt\":\"" + now + "\",\"routedAt\":\"" + now + "\",\"routeSeconds\":0.002,"
                + "\"delayNotified\":false}";
    }

    public static String outcome(String messageId, String rcpt, String status, Instant now) {
        return "{\"messageId\":\"" + messageId + "\",\"jobId\":\"" + messageId + "/1/s:25/may\",\"attempt\":1,"
                + "\"site\":\"s:25/may\",\"relay\":\"s[127.0.0.1]:25\",\"results\":[{\"recipient\":\"" + rcpt
                + "\",\"status\":\"" + status + "\",\"smtp\":{\"code\":250,\"enhanced\":\"2.0.0\",\"text\":\"Ok\"},"
                + "\"dsn\":\"2.0.0\"}],\"tls\":{\"version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\","
                + "\"resumed\":false,\"verified\":false},\"connectionUse\":1,"
                + "\"delays\":{\"queue\":0.01,\"route\":0.002,\"connect\":0.1,\"transmit\":0.004},"
                + "\"timestamp\":\"" + now + "\"}";
    }

    public static String control(String key, Instant now) {
        return "{\"key\":\"" + key + "\",\"held\":false,\"deleted\":false,\"suspended\":false,"
                + "\"updatedAt\":\"" + now + "\",\"reason\":\"test\"}";
    }
}
