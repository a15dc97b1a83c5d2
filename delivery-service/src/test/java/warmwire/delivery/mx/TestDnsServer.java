package warmwire.delivery.mx;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * NAME
 *   TestDnsServer - a tiny authoritative DNS server on a loopback UDP port, for tests.
 * DESCRIPTION
 *   Answers MX, A and AAAA from an in-memory zone built with {@link #mx}, {@link #nullMx},
 *   {@link #a}, {@link #aaaa}; a name with records of other types only gets NOERROR/NODATA; a
 *   name set with {@link #rcode} gets that code (SERVFAIL, REFUSED, ...); a name listed by
 *   {@link #silent} gets no answer at all; everything else gets NXDOMAIN. Built on Netty's DNS
 *   codec, which Vert.x already ships. Every question is recorded.
 */
public final class TestDnsServer implements AutoCloseable {
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel channel;
    private final Map<String, List<DnsRecordFactory>> zone = new ConcurrentHashMap<>();
    private final Map<String, DnsResponseCode> rcodes = new ConcurrentHashMap<>();
    private final List<String> silent = new CopyOnWriteArrayList<>();
    private final List<String> questions = new CopyOnWriteArrayList<>();

    private interface DnsRecordFactory {
        DnsRecordType type();

        DnsRecord create(String name);
    }

    public TestDnsServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
                                        answer(ctx, q);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    /** {@code 127.0.0.1:port}, as warmwire.dns.servers takes it. */
    public String address() {
        InetSocketAddress a = (InetSocketAddress) channel.localAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    public InetSocketAddress socketAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** "TYPE name" of every question received, in order. */
    public List<String> questions() {
        return List.copyOf(questions);
    }

    public TestDnsServer mx(String name, int preference, String target) {
        return add(name, DnsRecordType.MX, n -> {
            ByteBuf b = Unpooled.buffer();
            b.writeShort(preference);
            writeName(b, target);
            return b;
        });
    }

    /** RFC 7505: a single MX "0 .". */
    public TestDnsServer nullMx(String name) {
        return add(name, DnsRecordType.MX, n -> Unpooled.buffer().writeShort(0).writeByte(0));
    }

    public TestDnsServer a(String name, String address) {
        return add(name, DnsRecordType.A, n -> Unpooled.wrappedBuffer(NetUtil.createByteArrayFromIpAddressString(address)));
    }

    public TestDnsServer aaaa(String name, String address) {
        return add(name, DnsRecordType.AAAA,
                n -> Unpooled.wrappedBuffer(NetUtil.createByteArrayFromIpAddressString(address)));
    }

    /** Makes {@code name} exist without records (NOERROR, no answers for any type). */
    public TestDnsServer exists(String name) {
        zone.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>());
        return this;
    }

    public TestDnsServer rcode(String name, DnsResponseCode code) {
        rcodes.put(key(name), code);
        return this;
    }

    /** Questions about {@code name} are never answered. */
    public TestDnsServer silent(String name) {
        silent.add(key(name));
        return this;
    }

    private TestDnsServer add(String name, DnsRecordType type, java.util.function.Function<String, ByteBuf> content) {
        zone.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(new DnsRecordFactory() {
            @Override
            public DnsRecordType type() {
                return type;
            }

            @Override
            public DnsRecord create(String n) {
                return new DefaultDnsRawRecord(n, type, 300, content.apply(n));
            }
        });
        return this;
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static void writeName(ByteBuf b, String name) {
        for (String label : key(name).split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(bytes.length).writeBytes(bytes);
        }
        b.writeByte(0);
    }

    private void answer(ChannelHandlerContext ctx, DatagramDnsQuery q) {
        DnsQuestion question = q.recordAt(DnsSection.QUESTION);
        String name = key(question.name());
        questions.add(question.type().name() + " " + name);
        if (silent.contains(name)) {
            return;
        }
        List<DnsRecordFactory> records = zone.get(name);
        DnsResponseCode code = rcodes.getOrDefault(name, records == null ? DnsResponseCode.NXDOMAIN
                : DnsResponseCode.NOERROR);
        DatagramDnsResponse r = new DatagramDnsResponse(q.recipient(), q.sender(), q.id(), q.opCode(), code);
        r.setAuthoritativeAnswer(true).setRecursionAvailable(true).setRecursionDesired(q.isRecursionDesired());
        r.addRecord(DnsSection.QUESTION, question);
        if (code == DnsResponseCode.NOERROR) {
            for (DnsRecordFactory f : new ArrayList<>(records)) {
                if (f.type().equals(question.type())) {
                    r.addRecord(DnsSection.ANSWER, f.create(question.name()));
                }
            }
        }
        ctx.writeAndFlush(r);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
