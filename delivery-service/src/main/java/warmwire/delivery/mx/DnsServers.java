package warmwire.delivery.mx;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * NAME
 *   DnsServers - the resolvers to ask: configured {@code host[:port]} list, or the system's.
 * DESCRIPTION
 *   Configured entries are {@code 192.0.2.53}, {@code 192.0.2.53:5353}, {@code [2001:db8::53]:53}
 *   or a bare IPv6 address; a host name is resolved once, at startup. The system list is every
 *   {@code nameserver} line of /etc/resolv.conf (port 53), or 127.0.0.1:53 when it has none, as
 *   the C library does.
 */
public final class DnsServers {
    public static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    private DnsServers() {
    }

    /** Parses configured entries; throws IllegalArgumentException naming a bad one. */
    public static List<InetSocketAddress> parse(List<String> entries) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : entries) {
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            String host;
            int port = 53;
            if (e.startsWith("[")) {
                int close = e.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("warmwire.dns.servers: missing ']' in '" + raw + "'");
                }
                host = e.substring(1, close);
                String rest = e.substring(close + 1);
                if (!rest.isEmpty()) {
                    port = port(rest, raw);
                }
            } else if (NetUtil.isValidIpV6Address(e)) {
                host = e;
            } else {
                int colon = e.lastIndexOf(':');
                host = colon < 0 ? e : e.substring(0, colon);
                if (colon >= 0) {
                    port = port(e.substring(colon), raw);
                }
            }
            InetSocketAddress a = new InetSocketAddress(host, port);
            if (a.isUnresolved()) {
                throw new IllegalArgumentException("warmwire.dns.servers: cannot resolve '" + host + "'");
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("warmwire.dns.servers: no server in " + entries);
        }
        return out;
    }

    private static int port(String colonPort, String raw) {
        if (!colonPort.matches(":\\d{1,5}") || Integer.parseInt(colonPort.substring(1)) == 0
                || Integer.parseInt(colonPort.substring(1)) > 65535) {
            throw new IllegalArgumentException("warmwire.dns.servers: bad port in '" + raw + "'");
        }
        return Integer.parseInt(colonPort.substring(1));
    }

    /** The nameservers of a resolv.conf file, in order; 127.0.0.1:53 when there are none. */
    public static List<InetSocketAddress> system(Path resolvConf) {
        List<String> servers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(resolvConf, StandardCharsets.UTF_8)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    String addr = f[1];
                    int scope = addr.indexOf('%');
                    if (scope >= 0) {
                        addr = addr.substring(0, scope);
                    }
                    if (NetUtil.isValidIpV4Address(addr) || NetUtil.isValidIpV6Address(addr)) {
                        servers.add(addr.contains(":") ? "[" + addr + "]" : addr);
                    }
                }
            }
        } catch (IOException e) {
            // no resolv.conf: fall through to the local default
        }
        return parse(servers.isEmpty() ? List.of("127.0.0.1") : servers);
    }
}
