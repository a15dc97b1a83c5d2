package warmwire.session.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import warmwire.contracts.route.HostNames;

/**
 * NAME
 *   HostnameMatcher - does a server certificate name the host we connected to?
 * DESCRIPTION
 *   RFC 6125: the DNS names of the subjectAltName extension are compared case-insensitively,
 *   trailing dots ignored; a wildcard is allowed only as the whole leftmost label and matches
 *   exactly one label. Only when the certificate has no DNS name does the subject's CN count.
 *   An IP-literal host matches an iPAddress entry. A name that starts with a dot
 *   ({@code .example.com}, level secure) matches any name below that domain.
 */
public final class HostnameMatcher {
    private HostnameMatcher() {
    }

    public static boolean matches(X509Certificate cert, String host) {
        String h = HostNames.normalise(host);
        if (h.startsWith(".")) {
            return subdomainOf(cert, h.substring(1));
        }
        if (h.matches("[0-9.]+") || h.contains(":")) {
            List<String> ips = altNames(cert, IP);
            return ips != null && ips.contains(h);
        }
        List<String> names = dnsNames(cert);
        if (names == null) {
            return false;
        }
        for (String d : names) {
            if (nameMatches(d, h)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Postfix's "dot-nexthop": the certificate names some host below {@code domain} (a DNS name
     * ending in {@code .domain}, a wildcard {@code *.domain} or {@code *.x.domain}); the CN only
     * when there is no DNS name.
     */
    private static boolean subdomainOf(X509Certificate cert, String domain) {
        List<String> names = dnsNames(cert);
        if (names == null) {
            return false;
        }
        String suffix = "." + domain;
        for (String n : names) {
            String base = n.startsWith("*.") ? n.substring(1) : n; // "*.x.d" -> ".x.d", "*.d" -> ".d"
            if (base.endsWith(suffix) || (n.startsWith("*.") && base.equals(suffix))) {
                return true;
            }
        }
        return false;
    }

    private static final int DNS = 2;
    private static final int IP = 7;

    /**
     * The names the certificate is for, normalised: its subjectAltName DNS names, else its CN
     * (RFC 6125: the CN counts only without DNS names); null when the extension cannot be read.
     */
    private static List<String> dnsNames(X509Certificate cert) {
        List<String> dns = altNames(cert, DNS);
        if (dns == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String d : dns) {
            out.add(HostNames.normalise(d));
        }
        if (out.isEmpty()) {
            String cn = commonName(cert);
            if (cn != null) {
                out.add(HostNames.normalise(cn));
            }
        }
        return out;
    }

    /** The subjectAltName entries of {@code type} (2 DNS, 7 IP) as text; null when they cannot be read. */
    private static List<String> altNames(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if ((Integer) san.get(0) == type) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return out;
    }

    static boolean nameMatches(String pattern, String host) {
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1); // ".example.com"
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot).equals(suffix) && suffix.indexOf('.', 1) > 0;
        }
        return pattern.equals(host);
    }

    private static String commonName(X509Certificate cert) {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
