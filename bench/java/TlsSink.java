import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLSession;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * NAME
 *   TlsSink - a lightweight ESMTP receiver with STARTTLS that accepts and forgets every message
 * DESCRIPTION
 *   TlsSink PORT ADDRESS-FILE CERT.pem KEY.pem STATS-FILE [THREADS]
 *   Listens on PORT at every loopback address listed in ADDRESS-FILE (one per line), speaks just
 *   enough ESMTP (EHLO with PIPELINING and STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, QUIT; every
 *   command answered 250/354/221), and once a second rewrites STATS-FILE with its counters:
 *   connections accepted, open now, TLS handshakes (resumed ones counted apart: the JDK hands a
 *   resumed handshake its earlier session, created before the connection), messages, bytes.
 *   Used by bench/run.sh --mode sink and --mode idle so that the receiver is not the bottleneck.
 */
public final class TlsSink {
    static final AtomicLong CONNECTIONS = new AtomicLong(), OPEN = new AtomicLong(), HANDSHAKES = new AtomicLong(),
            RESUMED = new AtomicLong(), MESSAGES = new AtomicLong(), BYTES = new AtomicLong(), MAX_OPEN = new AtomicLong();

    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        List<String> addresses = Files.readAllLines(Path.of(a[1])).stream().map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
        for (String s : addresses) {
            if (!s.startsWith("127.")) {
                throw new IllegalArgumentException("not a loopback address: " + s);
            }
        }
        SslContext ssl = SslContextBuilder.forServer(new File(a[2]), new File(a[3])).build();
        Path stats = Path.of(a[4]);
        int threads = a.length > 5 ? Integer.parseInt(a[5]) : 2;
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup(threads);
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("lines", new LineBasedFrameDecoder(1 << 20, false, false));
                        ch.pipeline().addLast("smtp", new Session(ssl));
                    }
                });
        for (String addr : addresses) {
            b.bind(new InetSocketAddress(addr, port)).sync();
        }
        System.out.println("READY " + addresses.size() + " listeners on port " + port);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> writeStats(stats)));
        while (true) {
            writeStats(stats);
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    static void writeStats(Path stats) {
        String s = String.format("{\"connections\":%d,\"open\":%d,\"max_open\":%d,\"handshakes\":%d,\"resumed\":%d,"
                        + "\"messages\":%d,\"bytes\":%d,\"time_ms\":%d}%n", CONNECTIONS.get(), OPEN.get(), MAX_OPEN.get(),
                HANDSHAKES.get(), RESUMED.get(), MESSAGES.get(), BYTES.get(), System.currentTimeMillis());
        try {
            Path tmp = stats.resolveSibling(stats.getFileName() + ".tmp");
            Files.writeString(tmp, s);
            Files.move(tmp, stats, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {
            System.err.println("stats: " + e);
        }
    }

    /** One SMTP session. */
    static final class Session extends SimpleChannelInboundHandler<ByteBuf> {
        private final SslContext ssl;
        private boolean tls, data;
        private long accepted;

        Session(SslContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            accepted = System.currentTimeMillis();
            CONNECTIONS.incrementAndGet();
            MAX_OPEN.accumulateAndGet(OPEN.incrementAndGet(), Math::max);
            ctx.writeAndFlush(ascii("220 sink.bench ESMTP warmwire-bench-sink\r\n"));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            OPEN.decrementAndGet();
        }

        private static ByteBuf ascii(String s) {
            return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            int n = line.readableBytes();
            if (data) {
                BYTES.addAndGet(n);
                if (n <= 3 && line.getByte(line.readerIndex()) == '.' && (n == 1 || line.getByte(line.readerIndex() + 1) == '\r'
                        || line.getByte(line.readerIndex() + 1) == '\n')) {
                    data = false;
                    MESSAGES.incrementAndGet();
                    ctx.write(ascii("250 2.0.0 Ok: queued as sink\r\n"));
                }
                return;
            }
            String cmd = line.toString(StandardCharsets.US_ASCII).trim();
            String verb = (cmd.length() >= 4 ? cmd.substring(0, 4) : cmd).toUpperCase();
            switch (verb) {
                case "EHLO" -> ctx.write(ascii("250-sink.bench\r\n250-PIPELINING\r\n250-SIZE 16777216\r\n250-8BITMIME\r\n"
                        + (tls ? "" : "250-STARTTLS\r\n") + "250 ENHANCEDSTATUSCODES\r\n"));
                case "HELO" -> ctx.write(ascii("250 sink.bench\r\n"));
                case "STAR" -> {
                    if (tls) {
                        ctx.write(ascii("503 5.5.1 TLS already active\r\n"));
                        return;
                    }
                    tls = true;
                    // startTls = true: the 220 below still leaves in clear text, then the handshake
                    SslHandler h = new SslHandler(ssl.newEngine(ctx.alloc()), true);
                    h.setHandshakeTimeoutMillis(60_000);
                    ctx.pipeline().addFirst("tls", h);
                    ctx.writeAndFlush(ascii("220 2.0.0 Ready to start TLS\r\n"));
                }
                case "MAIL", "RCPT", "RSET", "NOOP" -> ctx.write(ascii("250 2.0.0 Ok\r\n"));
                case "DATA" -> {
                    data = true;
                    ctx.write(ascii("354 End data with <CR><LF>.<CR><LF>\r\n"));
                }
                case "QUIT" -> ctx.writeAndFlush(ascii("221 2.0.0 Bye\r\n")).addListener(f -> ctx.close());
                default -> ctx.write(ascii("502 5.5.2 Error: command not recognized\r\n"));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                HANDSHAKES.incrementAndGet();
                SSLSession s = ((SslHandler) ctx.pipeline().get("tls")).engine().getSession();
                if (s.getCreationTime() < accepted) {
                    RESUMED.incrementAndGet();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
