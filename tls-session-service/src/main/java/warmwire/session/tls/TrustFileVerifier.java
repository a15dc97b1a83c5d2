package warmwire.session.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import warmwire.session.smtp.PeerVerifier;

/**
 * NAME
 *   TrustFileVerifier - verifies a server chain against a PEM CA bundle and the host name.
 * DESCRIPTION
 *   {@link #fromTrustFile} loads every certificate of the PEM file as a trust anchor (PKIX);
 *   without a file, the JDK's default CA store is used. {@link #problem} returns null when
 *   the chain leads to an anchor and the leaf names the host ({@link HostnameMatcher}),
 *   else what is wrong. A self-signed server certificate is trusted only when it is itself in
 *   the bundle.
 */
public final class TrustFileVerifier implements PeerVerifier {
    private final X509TrustManager trust;
    private final String source;

    private TrustFileVerifier(X509TrustManager trust, String source) {
        this.trust = trust;
        this.source = source;
    }

    /** From a PEM bundle, or the JDK default store when {@code pemFile} is null. */
    public static TrustFileVerifier fromTrustFile(Path pemFile) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (pemFile == null) {
                tmf.init((KeyStore) null);
                return new TrustFileVerifier(x509(tmf.getTrustManagers()), "the JDK CA store");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            Collection<? extends Certificate> certs;
            try (InputStream in = Files.newInputStream(pemFile)) {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("no certificate in trust file " + pemFile);
            }
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("anchor-" + i++, c);
            }
            tmf.init(ks);
            return new TrustFileVerifier(x509(tmf.getTrustManagers()), pemFile.toString());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load trust file " + pemFile + ": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager x509(TrustManager[] tms) {
        for (TrustManager tm : tms) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X509TrustManager");
    }

    /** The chain as X.509 certificates, or null when one is not. */
    static X509Certificate[] x509(List<Certificate> chain) {
        X509Certificate[] x = new X509Certificate[chain.size()];
        for (int i = 0; i < x.length; i++) {
            if (!(chain.get(i) instanceof X509Certificate c)) {
                return null;
            }
            x[i] = c;
        }
        return x;
    }

    @Override
    public String problem(List<Certificate> chain, String host) {
        return problem(chain, List.of(host), "certificate does not match host name " + host);
    }

    /** The chain checked once, then its leaf against the names: one match is enough. */
    @Override
    public PeerVerifier matching(List<String> names) {
        if (names.isEmpty()) {
            return this;
        }
        return (chain, host) -> problem(chain, names, "certificate matches none of " + String.join(", ", names));
    }

    private String problem(List<Certificate> chain, List<String> names, String mismatch) {
        X509Certificate[] x = x509(chain);
        if (x == null || x.length == 0) {
            return x == null ? "not an X.509 certificate chain" : "no server certificate";
        }
        try {
            trust.checkServerTrusted(x, "UNKNOWN");
        } catch (CertificateException | IllegalArgumentException e) {
            return "untrusted issuer " + x[0].getIssuerX500Principal().getName() + " (not in " + source + ")";
        }
        for (String n : names) {
            if (HostnameMatcher.matches(x[0], n)) {
                return null;
            }
        }
        return mismatch;
    }
}
