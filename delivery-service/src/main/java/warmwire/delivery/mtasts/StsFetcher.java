package warmwire.delivery.mtasts;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * NAME
 *   StsFetcher - fetches a domain's MTA-STS policy over HTTPS (RFC 8461 section 3.3).
 * DESCRIPTION
 *   GET {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} with Vert.x' HTTP client, on
 *   the event loops, never blocking a thread. The policy host's address comes from the
 *   project's own resolver ({@code addresses}: the routing DNS client under the same address
 *   policy as MX hosts, so a domain cannot point the fetch at a private address the operator
 *   did not allow); the first address is asked, with SNI and the Host header set to the name.
 *   The certificate is verified against the trust anchors given (the JDK's CA store when none)
 *   and the host name {@code mta-sts.<domain>}; redirects are never followed; only a 200 with
 *   media type {@code text/plain} counts; the body is read up to {@link StsPolicy#MAX_BODY}
 *   bytes (more is a failure, never a truncated policy); the lookup, connect and the whole
 *   exchange are bounded by {@code timeout}. Every failure is an {@link StsPolicyException}
 *   saying what went wrong, so that the caller keeps a cached policy, or goes on as without one.
 */
public final class StsFetcher implements StsPolicies.Fetch, AutoCloseable {
    /** RFC 8461 section 3.3: the policy's path on the policy host. */
    public static final String PATH = "/.well-known/mta-sts.txt";

    private final HttpClient client;
    private final Duration timeout;
    private final int port;
    private final Function<String, Uni<List<String>>> addresses;

    /**
     * @param trust     trust anchors for the policy host's certificate; null = the JDK's CA store
     * @param port      443 (another port only where a test's policy host cannot bind 443)
     * @param addresses the addresses of a host name, best first (empty: none usable)
     */
    public StsFetcher(Vertx vertx, TrustOptions trust, Duration timeout, int port,
                      Function<String, Uni<List<String>>> addresses) {
        HttpClientOptions o = new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setForceSni(true)
                .setConnectTimeout((int) Math.max(1, timeout.toMillis()))
                .setIdleTimeout((int) Math.max(1, timeout.toSeconds()))
                .setKeepAlive(false)
                .setMaxPoolSize(16)
                .setMaxHeaderSize(8192)
                .setTryUseCompression(false);
        if (trust != null) {
            o.setTrustOptions(trust);
        }
        this.client = vertx.createHttpClient(o);
        this.timeout = timeout;
        this.port = port;
        this.addresses = addresses;
    }

    /** RFC 8461 section 3.3: the {@code mta-sts} host of the domain. */
    public static String policyHost(String domain) {
        return "mta-sts." + domain.toLowerCase(Locale.ROOT);
    }

    /**
     * The policy of {@code domain}, or an StsPolicyException; within the timeout. At the
     * deadline the exchange is reset: a host that trickles its answer keeps no socket open.
     */
    @Override
    public Uni<StsPolicy> fetch(String domain) {
        String host = policyHost(domain);
        AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        return addresses.apply(host)
                .onFailure().transform(t -> new StsPolicyException(StsPolicyException.FETCH_ERROR, "policy host " + host + " not resolved: " + t.getMessage()))
                .onItem().transformToUni(list -> {
                    if (list.isEmpty()) {
                        return Uni.createFrom().failure(new StsPolicyException(StsPolicyException.FETCH_ERROR, "policy host " + host + " has no usable address"));
                    }
                    return Uni.createFrom().completionStage(() -> get(host, list.get(0), request).toCompletionStage());
                })
                .ifNoItem().after(timeout)
                .failWith(() -> new StsPolicyException(StsPolicyException.FETCH_ERROR, "policy of " + domain + " not fetched from " + host
                        + " within " + timeout))
                .onFailure().invoke(t -> reset(request))
                .onCancellation().invoke(() -> reset(request))
                .onFailure(t -> !(t instanceof StsPolicyException))
                .transform(t -> new StsPolicyException(webPki(t) ? StsPolicyException.WEBPKI_INVALID : StsPolicyException.FETCH_ERROR,
                        "policy of " + domain + " not fetched from " + host + ": " + t));
    }

    /** Whether {@code t} is the policy host's certificate failing verification (chain or name). */
    private static boolean webPki(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLHandshakeException || c instanceof java.security.cert.CertificateException
                    || c instanceof javax.net.ssl.SSLPeerUnverifiedException) {
                return true;
            }
        }
        return false;
    }

    private static void reset(AtomicReference<HttpClientRequest> request) {
        HttpClientRequest r = request.get();
        if (r != null) {
            r.reset();
        }
    }

    private Future<StsPolicy> get(String host, String address, AtomicReference<HttpClientRequest> request) {
        RequestOptions r = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setServer(SocketAddress.inetSocketAddress(port, address))
                .setHost(host)
                .setPort(port)
                .setURI(PATH)
                .setSsl(true)
                .setFollowRedirects(false)
                .setIdleTimeout(Math.max(1, timeout.toMillis()));
        return client.request(r).compose(req -> {
            request.set(req);
            return req.send();
        }).compose(resp -> read(host, resp));
    }

    private static Future<StsPolicy> read(String host, HttpClientResponse resp) {
        Promise<StsPolicy> result = Promise.promise();
        resp.exceptionHandler(result::tryFail);
        String type = String.valueOf(resp.getHeader("Content-Type"));
        if (resp.statusCode() != 200) {
            return refuse(resp, result, StsPolicyException.FETCH_ERROR, "HTTP " + resp.statusCode() + " from " + host
                    + (resp.statusCode() / 100 == 3 ? " (redirects are not followed)" : ""));
        }
        if (!type.toLowerCase(Locale.ROOT).strip().startsWith("text/plain")) {
            return refuse(resp, result, StsPolicyException.FETCH_ERROR, "media type is not text/plain: " + type);
        }
        Buffer body = Buffer.buffer();
        resp.handler(chunk -> {
            if (body.length() + chunk.length() > StsPolicy.MAX_BODY) {
                refuse(resp, result, StsPolicyException.INVALID, "larger than " + StsPolicy.MAX_BODY + " bytes");
                return;
            }
            body.appendBuffer(chunk);
        });
        resp.endHandler(v -> {
            try {
                result.tryComplete(StsPolicy.parse(body.getBytes()));
            } catch (StsPolicyException e) {
                result.tryFail(e);
            }
        });
        return result.future();
    }

    /** Fails the fetch with {@code why}, then drops the exchange without reading the rest. */
    private static Future<StsPolicy> refuse(HttpClientResponse resp, Promise<StsPolicy> result, String type, String why) {
        result.tryFail(new StsPolicyException(type, why));
        resp.handler(null);
        resp.request().reset();
        return result.future();
    }

    @Override
    public void close() {
        client.close();
    }
}
