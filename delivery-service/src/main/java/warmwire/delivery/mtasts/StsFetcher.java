package warmwire.delivery.mtasts;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * NAME
 *   StsFetcher - fetches a domain's MTA-STS policy over HTTPS (RFC 8461 section 3.3).
 * DESCRIPTION
 *   GET {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} with the JDK's HTTP client:
 *   the certificate is verified against the trust store given (the system's in production)
 *   and the host name; redirects are never followed; only a 200 with media type
 *   {@code text/plain} counts; the body is read up to {@link StsPolicy#MAX_BODY} bytes (more is
 *   a failure, never a truncated policy); connecting and the whole exchange are bounded by
 *   {@code timeout}. Every failure is an {@link StsPolicyException} saying what went wrong, so
 *   that the caller keeps a cached policy, or goes on as without one.
 */
public final class StsFetcher {
    private final HttpClient client;
    private final Duration timeout;
    private final Function<String, URI> location;

    /** Fetches from {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}. */
    public StsFetcher(SSLContext trust, Duration timeout) {
        this(trust, timeout, StsFetcher::policyUri);
    }

    /** {@code location}: where a domain's policy is (tests point it at a loopback server). */
    StsFetcher(SSLContext trust, Duration timeout, Function<String, URI> location) {
        this.client = HttpClient.newBuilder().sslContext(trust).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        this.timeout = timeout;
        this.location = location;
    }

    /** RFC 8461 section 3.3: the well-known location on the {@code mta-sts} host of the domain. */
    public static URI policyUri(String domain) {
        return URI.create("https://mta-sts." + domain.toLowerCase(Locale.ROOT) + "/.well-known/mta-sts.txt");
    }

    /** The policy of {@code domain}; blocks up to the timeout (headers and body together). */
    public StsPolicy fetch(String domain) throws InterruptedException {
        URI uri = location.apply(domain);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<byte[]>> call = client.sendAsync(request, info -> new LimitedBody(StsPolicy.MAX_BODY));
        HttpResponse<byte[]> r;
        try {
            r = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new StsPolicyException("policy of " + domain + " not fetched from " + uri + " within " + timeout);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StsPolicyException se) {
                throw new StsPolicyException("policy of " + domain + ": " + se.getMessage());
            }
            throw new StsPolicyException("policy of " + domain + " not fetched from " + uri + ": " + c);
        }
        if (r.statusCode() != 200) {
            throw new StsPolicyException("policy of " + domain + ": HTTP " + r.statusCode() + " from " + uri
                    + (r.statusCode() / 100 == 3 ? " (redirects are not followed)" : ""));
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase(Locale.ROOT).strip().startsWith("text/plain")) {
            throw new StsPolicyException("policy of " + domain + ": media type is not text/plain: " + type);
        }
        return StsPolicy.parse(r.body());
    }

    /** Collects a body of at most {@code max} bytes; beyond, it stops reading and fails. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (out.size() + b.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new StsPolicyException("larger than " + max + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
