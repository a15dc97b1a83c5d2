package warmwire.delivery;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import warmwire.contracts.mail.TlsLevel;

/**
 * NAME
 *   DeliveryConfig - delivery-service settings, prefix {@code warmwire}.
 * DESCRIPTION
 *   Every key is documented in application.properties and can be given as an environment
 *   variable by Quarkus' usual mapping ({@code warmwire.routes-file} = {@code WARMWIRE_ROUTES_FILE},
 *   {@code warmwire.dns.servers} = {@code WARMWIRE_DNS_SERVERS}). Optional keys may be left unset
 *   (or set to an empty string).
 */
@ConfigMapping(prefix = "warmwire")
public interface DeliveryConfig {

    /** Postfix transport-style file of static routes; consulted before DNS. */
    Optional<String> routesFile();

    /** How often the routes file is checked for changes; 0 = read only at startup. */
    @WithDefault("5s")
    Duration routesReloadInterval();

    Dns dns();

    Smtp smtp();

    Tls tls();

    Routing routing();

    Intake intake();

    Index index();

    @WithName("reply-classes")
    ReplyClasses replyClasses();

    @WithName("mta-sts")
    MtaSts mtaSts();

    Dane dane();

    Tlsrpt tlsrpt();

    Dkim dkim();

    /** DKIM signing (RFC 6376, RFC 8463): delivery-service README "DKIM". */
    interface Dkim {
        /** The signers by a name of the operator's choosing; none = no signing. */
        java.util.Map<String, Signer> signers();

        /** x=: how long a signature stays valid after signing; 0 = no x=. */
        @WithDefault("0s")
        Duration expire();

        /** The header fields signed when present (h=); unset = DkimSigner.HEADERS. */
        Optional<List<String>> headers();

        interface Signer {
            /** d=: the signing domain. */
            String domain();

            /** s=: the selector; the public key is at {@code <selector>._domainkey.<domain>}. */
            String selector();

            /** The private key, PKCS#8 PEM, read when it changes (a mounted secret may be rotated). */
            Optional<String> keyFile();

            /** The private key as PEM text (from a secret through the environment), if not key-file. */
            Optional<String> key();

            /**
             * The From domains this signer signs for: a name matches itself, {@code .name} every
             * domain below name; unset = the signing domain and the domains below it.
             */
            Optional<List<String>> fromDomains();

            /** Only messages of these tenants; unset = every tenant. */
            Optional<List<String>> tenants();

            /** A message this signer applies to is never sent without its signature: a failure defers it. */
            @WithDefault("true")
            boolean required();
        }
    }

    interface Dns {
        /** Resolvers, {@code host[:port]} (port 53 by default); unset = nameservers of /etc/resolv.conf. */
        Optional<List<String>> servers();

        /** How long one query waits for one server before the next server is asked. */
        @WithDefault("5s")
        Duration timeout();

        /** How long answers (records and NXDOMAIN) are reused; 0 = no cache. */
        @WithDefault("60s")
        Duration cacheTtl();

        /** How long NODATA and NXDOMAIN answers are reused, at most {@link #cacheTtl()}. */
        @WithDefault("10s")
        Duration negativeCacheTtl();

        /** Most cached answers (name and type); beyond it the least useful are evicted. */
        @WithDefault("10000")
        int cacheSize();

        /**
         * CIDRs of non-public addresses (loopback, private, link-local, ...) that MX and address
         * literal routing may use anyway; unset = none. Static routes are always allowed.
         */
        Optional<List<String>> allowPrivate();

        /** MX hosts used per domain, best preference first. */
        @WithDefault("10")
        int maxMxHosts();

        /** A/AAAA addresses used per host. */
        @WithDefault("10")
        int maxAddressesPerHost();

        /** Endpoints (addresses) used per domain in all. */
        @WithDefault("20")
        int maxEndpoints();
    }

    interface Smtp {
        /** Port of MX hosts and of routes that name none. */
        @WithDefault("25")
        int port();
    }

    interface Tls {
        /** Level for a queued message that carries none (queue-service normally sets one). */
        @WithDefault("may")
        TlsLevel level();

        /**
         * Under level secure, the names a recipient domain's servers' certificates must match,
         * by domain ({@code warmwire.tls.secure-match."example.com"=mx.example.net,.example.net});
         * a domain not listed: the domain and its subdomains.
         */
        @WithName("secure-match")
        java.util.Map<String, List<String>> secureMatch();
    }

    /** TLS reports (RFC 8460), written to mail.tlsrpt. */
    interface Tlsrpt {
        /** Count TLS results and write reports (needs the routing loop's Kafka: off with warmwire.routing.enabled=false). */
        @WithDefault("true")
        boolean enabled();

        /** The reporting period: UTC days by default (RFC 8460 reports per day); shorter only for tests. */
        @WithDefault("1d")
        Duration period();

        /** How long after a period's end its late results are still awaited before its reports go out. */
        @WithDefault("15m")
        Duration grace();

        /** The report's organization-name. */
        @WithName("organization-name")
        @WithDefault("Warmwire")
        String organizationName();

        /** The report's contact-info (an address or URL of the sending organization). */
        @WithName("contact-info")
        @WithDefault("postmaster@localhost")
        String contactInfo();

        /**
         * The envelope and header sender of report mails; set: a report whose rua has mailto:
         * addresses is submitted to mail.submit and delivered by Warmwire itself. Unset: reports
         * only go to mail.tlsrpt.
         */
        @WithName("mail-from")
        java.util.Optional<String> mailFrom();

        /** Policy domains counted per period; results of more are left out (and counted in the log). */
        @WithName("max-domains")
        @WithDefault("10000")
        int maxDomains();

        /** The report loop's transactional id: unique per instance and stable across its restarts. */
        @WithName("transactional-id")
        @WithDefault("warmwire-tlsrpt")
        String transactionalId();
    }

    /** DANE (RFC 7672), for mail at the levels dane and dane-only. */
    interface Dane {
        /**
         * Trust anchors for DNSSEC validation: DS or DNSKEY records in master file format; unset =
         * the root zone's KSKs as shipped (resource dane/root-anchors.txt).
         */
        Optional<String> trustAnchorFile();

        /**
         * Resolvers asked for DNSSEC-validated records ({@code host[:port]}); they must pass DNSSEC
         * records through (any validating or non-validating recursive resolver does). Unset = the
         * routing DNS servers (warmwire.dns.servers, else /etc/resolv.conf).
         */
        Optional<List<String>> dnsServers();
    }

    /** MTA-STS (RFC 8461): the policies receiving domains publish. */
    interface MtaSts {
        /** Look up and enforce MTA-STS policies for domains routed by their own MX records. */
        @WithDefault("true")
        boolean enabled();

        /** Bound on the policy fetch: the policy host's lookup, connect, TLS and the whole HTTP exchange. */
        @WithDefault("10s")
        Duration timeout();

        /** PEM CA bundle for the policy hosts' certificates; unset = the JDK's CA store (the public web's CAs). */
        Optional<String> trustFile();

        /** The policy hosts' HTTPS port: 443 (RFC 8461); another only for a test's policy host. */
        @WithDefault("443")
        int port();

        /** Most domains whose policies are cached; beyond, the one that expires first goes. */
        @WithDefault("10000")
        int cacheSize();

        /** After a fetch failed, how long the same domain and policy id are not fetched again. */
        @WithDefault("60s")
        Duration failureHold();
    }

    /** Submissions on mail.submit (intake.Intake): queue-service's keys before the hops merged, unchanged. */
    interface Intake {
        /** Largest message body accepted, in bytes after base64 decoding. */
        @WithName("max-message-size")
        @WithDefault("10485760")
        int maxMessageSize();

        /** Most recipients one submission may carry (also the bound of a queued message on mail.route). */
        @WithName("max-recipients")
        @WithDefault("1000")
        int maxRecipients();
    }

    /** The queue index in Infinispan (intake's envelopes and client-id claims). */
    interface Index {
        /** How long queue-index entries and client-id claims live (queue-service reads them as long). */
        @WithDefault("P7D")
        java.time.Duration lifespan();

        /**
         * While Infinispan does not answer, client-id reads and claims are retried every second
         * for this long; then mail goes on unchecked (counted).
         */
        @WithName("marks-patience")
        @WithDefault("60s")
        java.time.Duration marksPatience();
    }

    /** The classes of intake's rejected events (contracts' ReplyRules). */
    interface ReplyClasses {
        /** An operator's rules file instead of the shipped rules (format: ReplyRules). */
        Optional<String> file();
    }

    interface Routing {
        /**
         * Records per poll, routed at once (DNS lookups of one message run in parallel too); a
         * poll's submissions are judged as one batch, with one read and one write of client ids
         * in Infinispan. Fetching pauses while four times this many are not committed.
         */
        @WithDefault("500")
        int concurrency();

        /** Run the dispatch loop (mail.submit and mail.route in); false: unit tests without a broker. */
        @WithDefault("true")
        boolean enabled();

        /**
         * How long a routed message's jobs and outcome (and a rejected submission's dead letter)
         * may wait for the Kafka transaction that commits them with the commit point of the
         * record they came from (dispatch.DispatchLoop).
         */
        @WithName("commit-interval")
        @WithDefault("100ms")
        java.time.Duration commitInterval();

        /**
         * After a poll of mail.submit that brought submissions, the least time before the next
         * poll (ExactlyOnceLoop's poll linger): each poll costs the same Infinispan calls and
         * broker requests however few records it brings, so a steady trickle is taken a few
         * sends at a time. A poll that found nothing is followed at once. 0 polls again at once.
         */
        @WithName("poll-linger")
        @WithDefault("20ms")
        java.time.Duration pollLinger();

        /** At a rebalance or a stop, how long the loop waits for the messages being routed before it lets them go. */
        @WithName("handoff-timeout")
        @WithDefault("30s")
        java.time.Duration handoffTimeout();

        /**
         * Compression of the jobs and outcomes written (compression.type): none, lz4, zstd...
         * The broker checks every compressed batch it takes, and tls-session-service decompresses
         * each job again, so compression costs CPU in three places to save bytes on a local disk.
         */
        @WithDefault("none")
        String compression();

        /** The dispatch loop's transactional id: unique per instance and stable across its restarts. */
        @WithName("transactional-id")
        @WithDefault("warmwire-delivery")
        String transactionalId();
    }
}
