package warmwire.session.smtp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayDeque;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;
import warmwire.session.tls.SessionTickets;
import warmwire.session.tls.TlsResumption;

/**
 * NAME
 *   SmtpSession - one SMTP client connection, driven as an explicit state machine.
 * SYNOPSIS
 *   {@code session.open()} (CONNECT, GREETING, EHLO/HELO, STARTTLS, TLS_HANDSHAKE, EHLO_TLS),
 *   then {@code session.send(envelope)} any number of times (MAIL, RCPT, DATA, DATA_BODY,
 *   DATA_DONE, RSET), then {@code session.quit()}.
 * DESCRIPTION
 *   All I/O is non-blocking over a Vert.x {@link NetSocket}; every callback runs on the
 *   socket's event loop. Each state that waits for the server arms a timer from
 *   {@link SmtpTimeouts}; when it fires the connection is dropped and the pending step fails
 *   with a TIMEOUT {@link SmtpFailure}. A closed connection, a broken or over-long reply line
 *   and a malformed reply ({@link ReplyParser}) fail the same way. Nothing waits forever.
 *
 *   EHLO is answered 5xx: HELO instead (no extensions). STARTTLS follows the {@link TlsLevel}:
 *   none never; may when offered; encrypt and verify require it and fail the session (before
 *   any MAIL) when it is not offered or refused. The STARTTLS reply must be 220 and must be
 *   the last thing the server sent in clear text (data queued behind it is an injection
 *   attempt: protocol error). The handshake sends SNI = the endpoint's host name and accepts
 *   any certificate; then the {@link PeerVerifier} judges the chain and name, and under
 *   verify a failed check ends the session ("Server certificate not verified") with QUIT.
 *   A failed handshake drops the connection: nothing is ever resent in clear text on it.
 *   After TLS the client says EHLO again and uses only the new capabilities (RFC 3207).
 *
 *   A transaction is pipelined (RFC 2920: MAIL, every RCPT and DATA in one write, the replies
 *   then read in order) when the server offers PIPELINING, else sent in lockstep. In lockstep,
 *   when no recipient was accepted the client sends RSET, not DATA; when pipelined and DATA
 *   was answered 354 anyway, it sends an empty body. The body is encoded by
 *   {@link DotStuffer} in chunks, respecting the socket's write queue.
 *   {@link #send} never fails: the {@link TransactionResult} carries the replies and, when the
 *   connection broke, the failure.
 * BUGS
 *   TLS sessions resume only within one process, through the TLS engine's client session cache
 *   of the shared NetClient (warmwire.session.tls.TlsEngine); sharing tickets across instances
 *   comes with a later issue.
 */
public final class SmtpSession {
    private static final int BODY_CHUNK = 64 * 1024;

    private final Vertx vertx;
    private final NetClient client;
    private final SmtpSettings settings;
    private final Endpoint endpoint;
    private final TlsLevel level;
    private final PeerVerifier verifier;
    private final SessionTickets tickets;
    private final String peer;

    private final ReplyParser parser = new ReplyParser();
    private final ArrayDeque<Reply> unread = new ArrayDeque<>();
    private NetSocket socket;
    private SmtpState state = SmtpState.CONNECT;
    private Promise<Reply> waiting;
    private Promise<Void> body;
    private long timer = -1;
    private SmtpFailure failure;
    private SmtpFailure refusal;
    private boolean closed;
    private boolean quitting;
    private boolean handshaking;
    private Capabilities capabilities = Capabilities.NONE;
    private TlsDetails tls;
    private Reply greeting;
    private int transactions;
    private Runnable closeListener;
    private Future<Void> ticketReady;

    public SmtpSession(Vertx vertx, NetClient client, SmtpSettings settings, Endpoint endpoint, TlsLevel level,
                       PeerVerifier verifier) {
        this(vertx, client, settings, endpoint, level, verifier, SessionTickets.NONE);
    }

    /** @param tickets the shared TLS session store: asked before STARTTLS, fed after the EHLO that follows it */
    public SmtpSession(Vertx vertx, NetClient client, SmtpSettings settings, Endpoint endpoint, TlsLevel level,
                       PeerVerifier verifier, SessionTickets tickets) {
        this.tickets = tickets == null ? SessionTickets.NONE : tickets;
        this.vertx = vertx;
        this.client = client;
        this.settings = settings;
        this.endpoint = endpoint;
        this.level = level == null ? TlsLevel.MAY : level;
        this.verifier = verifier == null ? PeerVerifier.NOTHING : verifier;
        this.peer = endpoint.relay();
    }

    // ---------------------------------------------------------------- connection setup

    /** What is connected to: the endpoint's address, else its host name. */
    private String address() {
        return endpoint.address() == null || endpoint.address().isBlank() ? endpoint.host() : endpoint.address();
    }

    /** Connects and gets the session to READY; fails with an {@link SmtpFailure}. */
    public Future<Void> open() {
        if (state != SmtpState.CONNECT || socket != null) {
            return Future.failedFuture(new IllegalStateException("session already opened"));
        }
        Promise<Void> opened = Promise.promise();
        if (Vertx.currentContext() == null) {
            // Connect from a Vert.x context, so that the connect callback (which attaches the
            // reply handler) runs on the socket's event loop before any read: called from another
            // thread, the callback is dispatched later and a fast greeting could arrive first,
            // find no handler and be dropped - the session would then time out at GREETING.
            vertx.getOrCreateContext().runOnContext(v -> connect(opened));
        } else {
            connect(opened);
        }
        return opened.future();
    }

    private void connect(Promise<Void> opened) {
        String address = address();
        if (level != TlsLevel.NONE) {
            // a stored TLS session of this endpoint (another instance's, after a shard moved) is
            // fetched while TCP, greeting, EHLO and STARTTLS go on; the handshake waits for it
            ticketReady = tickets.prepare(address, endpoint.port(), endpoint.host(), level);
        }
        client.connect(endpoint.port(), address).onComplete(ar -> {
            if (ar.failed()) {
                failure = new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                        "connect to " + peer + ": " + describe(ar.cause()));
                state = SmtpState.CLOSED;
                closed = true;
                opened.fail(failure);
                return;
            }
            attach(ar.result());
            greet().onComplete(opened);
        });
    }

    private void attach(NetSocket s) {
        socket = s;
        RecordParser lines = RecordParser.newDelimited("\n", this::onLine);
        lines.maxRecordSize(settings.maxLineLength());
        lines.exceptionHandler(e -> fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null,
                "protocol error with " + peer + " while " + state.during() + ": reply line longer than "
                        + settings.maxLineLength() + " bytes")));
        s.handler(lines);
        s.exceptionHandler(e -> {
            if (state == SmtpState.TLS_HANDSHAKE) {
                fail(new SmtpFailure(SmtpFailure.Kind.TLS_FAILED, state, null,
                        "TLS handshake with " + peer + " failed: " + describe(e)));
            } else {
                fail(new SmtpFailure(SmtpFailure.Kind.LOST, state, null,
                        "lost connection with " + peer + " while " + state.during() + ": " + describe(e)));
            }
        });
        s.closeHandler(v -> fail(new SmtpFailure(SmtpFailure.Kind.LOST, state, null,
                "lost connection with " + peer + " while " + state.during())));
    }

    private Future<Void> greet() {
        return expect(SmtpState.GREETING).compose(g -> {
            greeting = g;
            if (g.code() != 220) {
                return refuse(SmtpFailure.Kind.REJECTED, g, "host " + peer + " refused to talk to me: " + g);
            }
            return hello(false);
        }).compose(v -> startTls()).map(v -> {
            state = SmtpState.READY;
            return null;
        });
    }

    private Future<Void> hello(boolean afterTls) {
        write("EHLO " + settings.heloName());
        return expect(afterTls ? SmtpState.EHLO_TLS : SmtpState.EHLO).compose(r -> {
            if (r.positive()) {
                capabilities = Capabilities.parse(r);
                return Future.succeededFuture();
            }
            if (!afterTls && r.permanentFailure()) {
                write("HELO " + settings.heloName());
                return expect(SmtpState.HELO).compose(h -> {
                    if (h.positive()) {
                        capabilities = Capabilities.NONE;
                        return Future.succeededFuture();
                    }
                    return refuse(SmtpFailure.Kind.REJECTED, h, "host " + peer + " said: " + h + " (in reply to HELO command)");
                });
            }
            return refuse(SmtpFailure.Kind.REJECTED, r, "host " + peer + " said: " + r + " (in reply to EHLO command)");
        });
    }

    private Future<Void> startTls() {
        if (level == TlsLevel.NONE) {
            return Future.succeededFuture();
        }
        if (!capabilities.starttls()) {
            if (level.mandatory()) {
                return refuse(SmtpFailure.Kind.TLS_REQUIRED, null, "TLS is required, but was not offered by host " + peer);
            }
            return Future.succeededFuture();
        }
        write("STARTTLS");
        return expect(SmtpState.STARTTLS).compose(r -> {
            if (r.code() != 220) {
                if (level.mandatory()) {
                    return refuse(SmtpFailure.Kind.TLS_REQUIRED, r,
                            "TLS is required, but host " + peer + " refused to start TLS: " + r);
                }
                return Future.succeededFuture(); // may: nothing sent yet, carry on in clear text
            }
            if (!unread.isEmpty() || parser.partial()) {
                return fatal(SmtpFailure.Kind.PROTOCOL, "protocol error with " + peer
                        + ": data after the 220 reply to STARTTLS");
            }
            return handshake();
        });
    }

    private Future<Void> handshake() {
        handshaking = true;
        state = SmtpState.TLS_HANDSHAKE;
        armTimer(SmtpState.TLS_HANDSHAKE);
        long handshakeStarted = System.currentTimeMillis();
        // the stored session fetched since connect is ready for the ClientHello (or the store
        // gave up: ticket-wait); the handshake timer already runs
        Future<Void> ready = ticketReady == null ? Future.succeededFuture() : ticketReady;
        return ready.compose(v -> socket.upgradeToSsl(endpoint.host())).transform(ar -> {
            handshaking = false;
            cancelTimer();
            if (failure != null) {
                return Future.failedFuture(failure);
            }
            if (ar.failed()) {
                return fatal(SmtpFailure.Kind.TLS_FAILED, "TLS handshake with " + peer + " failed: " + describe(ar.cause()));
            }
            SSLSession ss = socket.sslSession();
            List<Certificate> chain;
            try {
                chain = socket.peerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                chain = List.of();
            }
            String problem;
            try {
                problem = chain == null || chain.isEmpty() ? "no server certificate" : verifier.problem(chain, endpoint.host());
            } catch (RuntimeException e) {
                problem = "certificate check failed: " + describe(e);
            }
            tls = new TlsDetails(ss == null ? "unknown" : ss.getProtocol(), ss == null ? "unknown" : ss.getCipherSuite(),
                    TlsResumption.resumed(socket, ss, handshakeStarted), problem);
            if (level == TlsLevel.VERIFY && problem != null) {
                return refuse(SmtpFailure.Kind.TLS_NOT_VERIFIED, null,
                        "Server certificate not verified: " + peer + ": " + problem);
            }
            // the server's session tickets came with (before) its reply to this EHLO
            return hello(true).onSuccess(x -> tickets.collect(TlsResumption.engine(socket), address(), endpoint.port(),
                    endpoint.host(), level));
        });
    }

    // ---------------------------------------------------------------- mail transaction

    /** Runs one mail transaction; always succeeds, see {@link TransactionResult#failure()}. */
    public Future<TransactionResult> send(Envelope env) {
        return send(env, false);
    }

    /**
     * Runs one mail transaction, first sending RSET when {@code rsetFirst} (a connection taken
     * from the cache): with PIPELINING, RSET goes in the same write as MAIL, RCPT and DATA and
     * its reply is read first; in lockstep it is sent and answered alone. A reply other than
     * 250 to RSET drops the connection ({@link TransactionResult#rset()} keeps the reply).
     * Always succeeds, see {@link TransactionResult#failure()}.
     */
    public Future<TransactionResult> send(Envelope env, boolean rsetFirst) {
        TransactionResult res = new TransactionResult(env.recipients().size());
        if (!usable()) {
            res.failure(failure != null ? failure : refusal != null ? refusal
                    : new SmtpFailure(SmtpFailure.Kind.LOST, state, null, "session with " + peer + " is not ready (" + state + ")"));
            return Future.succeededFuture(res);
        }
        transactions++;
        boolean pipelined = capabilities.pipelining();
        res.pipelined(pipelined);
        List<String> rcpts = env.recipients();
        String mail = mailCommand(env);
        Future<Void> done;
        Future<Void> reset = Future.succeededFuture();
        if (rsetFirst && !pipelined) {
            write("RSET");
            reset = expect(SmtpState.RSET).compose(r -> checkReset(res, r));
        }
        if (pipelined) {
            StringBuilder batch = new StringBuilder(rsetFirst ? "RSET\r\n" : "").append(mail).append("\r\n");
            for (String r : rcpts) {
                batch.append("RCPT TO:<").append(r).append(">\r\n");
            }
            batch.append("DATA");
            write(batch.toString());
            Future<Void> first = rsetFirst ? expect(SmtpState.RSET).compose(r -> checkReset(res, r)) : reset;
            done = first.compose(v -> expect(SmtpState.MAIL)).compose(r -> {
                res.mail(r);
                Promise<Void> p = Promise.promise();
                rcptLoop(res, rcpts, 0, false, p);
                return p.future();
            }).compose(v -> expect(SmtpState.DATA)).compose(r -> {
                res.data(r);
                return afterData(env, res);
            });
        } else {
            done = reset.compose(v -> {
                write(mail);
                return expect(SmtpState.MAIL);
            }).compose(r -> {
                res.mail(r);
                if (!r.positive()) {
                    return Future.succeededFuture();
                }
                Promise<Void> p = Promise.promise();
                rcptLoop(res, rcpts, 0, true, p);
                return p.future().compose(v -> {
                    if (res.accepted() == 0) {
                        write("RSET");
                        return expect(SmtpState.RSET).mapEmpty();
                    }
                    write("DATA");
                    return expect(SmtpState.DATA).compose(d -> {
                        res.data(d);
                        return afterData(env, res);
                    });
                });
            });
        }
        return done.transform(ar -> {
            if (ar.failed()) {
                res.failure(ar.cause() instanceof SmtpFailure f ? f
                        : new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null, describe(ar.cause())));
            } else if (failure == null) {
                state = SmtpState.READY;
            }
            return Future.succeededFuture(res);
        });
    }

    private Future<Void> checkReset(TransactionResult res, Reply r) {
        res.rset(r);
        if (r.code() == 250) {
            return Future.succeededFuture();
        }
        return fatal(r.code() == 421 ? SmtpFailure.Kind.LOST : SmtpFailure.Kind.PROTOCOL,
                "host " + peer + " said: " + r + " (in reply to RSET command)");
    }

    /** RCPT replies from index k on; iterative while replies are already buffered. */
    private void rcptLoop(TransactionResult res, List<String> rcpts, int k, boolean lockstep, Promise<Void> done) {
        while (k < rcpts.size()) {
            if (lockstep) {
                write("RCPT TO:<" + rcpts.get(k) + ">");
            }
            Future<Reply> f = expect(SmtpState.RCPT);
            final int i = k;
            if (!f.isComplete()) {
                f.onComplete(ar -> {
                    if (ar.failed()) {
                        done.tryFail(ar.cause());
                    } else {
                        res.rcpt(i, ar.result());
                        rcptLoop(res, rcpts, i + 1, lockstep, done);
                    }
                });
                return;
            }
            if (f.failed()) {
                done.tryFail(f.cause());
                return;
            }
            res.rcpt(i, f.result());
            k++;
        }
        done.tryComplete();
    }

    private Future<Void> afterData(Envelope env, TransactionResult res) {
        Reply d = res.data();
        if (d.code() != 354) {
            return Future.succeededFuture(); // the DATA reply decides for every accepted recipient
        }
        if (res.accepted() == 0) {
            // pipelined, nobody accepted, yet 354: end an empty message (RFC 2920 section 3.1)
            write(".");
            return expect(SmtpState.DATA_DONE).mapEmpty();
        }
        return sendBody(env.content()).compose(v -> expect(SmtpState.DATA_DONE)).map(r -> {
            res.dataDone(r);
            return null;
        });
    }

    private String mailCommand(Envelope env) {
        StringBuilder b = new StringBuilder("MAIL FROM:<").append(env.from()).append('>');
        if (capabilities.size()) {
            b.append(" SIZE=").append(env.content().length);
        }
        if (capabilities.eightBitMime() && env.eightBit()) {
            b.append(" BODY=8BITMIME");
        }
        if (capabilities.smtpUtf8() && env.needsSmtpUtf8()) {
            b.append(" SMTPUTF8");
        }
        return b.toString();
    }

    private Future<Void> sendBody(byte[] content) {
        state = SmtpState.DATA_BODY;
        Promise<Void> p = Promise.promise();
        body = p;
        pumpBody(content, 0, new DotStuffer(), p);
        return p.future();
    }

    private void pumpBody(byte[] content, int from, DotStuffer stuffer, Promise<Void> p) {
        int pos = from;
        while (failure == null) {
            if (pos >= content.length) {
                Buffer end = Buffer.buffer(8);
                stuffer.finish(end);
                socket.write(end);
                body = null;
                p.tryComplete();
                return;
            }
            if (socket.writeQueueFull()) {
                final int at = pos;
                armTimer(SmtpState.DATA_BODY);
                socket.drainHandler(v -> {
                    socket.drainHandler(null);
                    cancelTimer();
                    pumpBody(content, at, stuffer, p);
                });
                return;
            }
            int n = Math.min(BODY_CHUNK, content.length - pos);
            Buffer chunk = Buffer.buffer(n + n / 16 + 8);
            stuffer.write(content, pos, n, chunk);
            pos += n;
            socket.write(chunk);
        }
        p.tryFail(failure);
    }

    // ---------------------------------------------------------------- closing

    /** Says QUIT (bounded by the QUIT timeout) and closes; never fails. */
    public Future<Void> quit() {
        if (socket == null || closed || failure != null) {
            close();
            return Future.succeededFuture();
        }
        quitting = true;
        write("QUIT");
        return expect(SmtpState.QUIT).transform(ar -> {
            close();
            return Future.succeededFuture();
        });
    }

    /**
     * Runs {@code listener} once, on the session's event loop, when the connection ends for any
     * reason (server close, error, timeout, {@link #close}, QUIT); at once when already closed.
     * Listeners add up: each runs, in the order given.
     */
    public void onClosed(Runnable listener) {
        if (closed) {
            listener.run();
        } else {
            Runnable before = closeListener;
            closeListener = before == null ? listener : () -> {
                before.run();
                listener.run();
            };
        }
    }

    private void notifyClosed() {
        Runnable l = closeListener;
        closeListener = null;
        if (l != null) {
            l.run();
        }
    }

    /** Drops the connection without QUIT. */
    public void close() {
        cancelTimer();
        if (!closed) {
            closed = true;
            quitting = true;
            if (socket != null) {
                socket.close();
            }
        }
        state = SmtpState.CLOSED;
        notifyClosed();
    }

    // ---------------------------------------------------------------- reply plumbing

    private void onLine(Buffer raw) {
        if (failure != null) {
            return;
        }
        String line = raw.toString(StandardCharsets.UTF_8);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (handshaking) {
            fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null,
                    "protocol error with " + peer + ": data after the 220 reply to STARTTLS"));
            return;
        }
        Reply r;
        try {
            r = parser.feed(line);
        } catch (SmtpProtocolException e) {
            fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null,
                    "protocol error with " + peer + " while " + state.during() + ": " + e.getMessage()));
            return;
        }
        if (r == null) {
            return;
        }
        Promise<Reply> w = waiting;
        if (w != null) {
            waiting = null;
            cancelTimer();
            w.complete(r);
        } else if (state == SmtpState.READY && r.code() == 421) {
            // RFC 5321 section 3.8: the server is closing an idle connection (e.g. its timeout)
            fail(new SmtpFailure(SmtpFailure.Kind.LOST, state, r,
                    "host " + peer + " closed the idle connection: " + r));
        } else {
            unread.add(r);
        }
    }

    private Future<Reply> expect(SmtpState s) {
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        state = s;
        Reply r = unread.poll();
        if (r != null) {
            return Future.succeededFuture(r);
        }
        Promise<Reply> p = Promise.promise();
        waiting = p;
        armTimer(s);
        return p.future();
    }

    private void write(String command) {
        if (socket != null && !closed) {
            socket.write(Buffer.buffer(command + "\r\n", "UTF-8"));
        }
    }

    private void armTimer(SmtpState s) {
        cancelTimer();
        timer = vertx.setTimer(settings.timeouts().millis(s), id -> {
            timer = -1;
            fail(new SmtpFailure(SmtpFailure.Kind.TIMEOUT, s, null,
                    "conversation with " + peer + " timed out while " + s.during()));
        });
    }

    private void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** The connection is unusable: record why, fail what waits, drop it. */
    private void fail(SmtpFailure f) {
        if (failure == null) {
            failure = f;
        }
        cancelTimer();
        Promise<Reply> w = waiting;
        waiting = null;
        if (w != null) {
            w.tryFail(failure);
        }
        Promise<Void> b = body;
        body = null;
        if (b != null) {
            b.tryFail(failure);
        }
        if (!closed) {
            closed = true;
            if (socket != null) {
                socket.close();
            }
        }
        state = SmtpState.CLOSED;
        notifyClosed();
    }

    private <T> Future<T> fatal(SmtpFailure.Kind kind, String message) {
        fail(new SmtpFailure(kind, state, null, message));
        return Future.failedFuture(failure);
    }

    /** The server works but this session must not be used for mail: the caller may QUIT. */
    private <T> Future<T> refuse(SmtpFailure.Kind kind, Reply reply, String message) {
        refusal = new SmtpFailure(kind, state, reply, message);
        return Future.failedFuture(refusal);
    }

    static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        if (t instanceof ConnectException || c instanceof ConnectException) {
            String m = c.getMessage();
            if (m != null && m.toLowerCase().contains("refused")) {
                return "Connection refused";
            }
        }
        if (t.getClass().getSimpleName().equals("ConnectTimeoutException")
                || c.getClass().getSimpleName().equals("ConnectTimeoutException")) {
            return "Connection timed out";
        }
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
    }

    // ---------------------------------------------------------------- inspection

    /** Whether a new transaction may start now. */
    public boolean usable() {
        return failure == null && refusal == null && !closed && state == SmtpState.READY;
    }

    public SmtpState state() {
        return state;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    /** Null while the session is in clear text. */
    public TlsDetails tls() {
        return tls;
    }

    public Reply greeting() {
        return greeting;
    }

    /** Transactions started on this connection (Postfix's conn_use). */
    public int transactions() {
        return transactions;
    }

    /** The failure or refusal that ended the session, or null. */
    public SmtpFailure failure() {
        return failure != null ? failure : refusal;
    }
}
