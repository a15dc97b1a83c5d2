package warmwire.session.smtp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayDeque;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import warmwire.contracts.mail.TlsLevel;
import warmwire.contracts.route.Endpoint;

/**
 * NAME
 *   SmtpSession - one SMTP client connection, driven as an explicit state machine.
 * SYNOPSIS
 *   {@code session.open()} (CONNECT, GREETING, EHLO/HELO, STARTTLS, TLS_HANDSHAKE, EHLO_TLS),
 *   then {@code session.send(envelope)} any number of times (MAIL, RCPT, DATA, DATA_BODY,
 *   DATA_DONE, or BDAT; RSET), then {@code session.quit()}.
 * DESCRIPTION
 *   All I/O is non-blocking over a Vert.x {@link NetSocket}; every callback runs on the
 *   socket's event loop. Each state that waits for the server arms a timer from
 *   {@link SmtpTimeouts}, running from the command (for a pipelined group, from its one
 *   write), never from the last byte: a server that trickles its replies gets the state's
 *   timeout in all. When it fires the connection is dropped and the pending step fails with a
 *   TIMEOUT {@link SmtpFailure}. The body has a whole-body deadline besides the per-stall one.
 *   A closed connection and a malformed reply ({@link ReplyParser}) fail the same way. Nothing
 *   waits forever.
 *
 *   Every byte from the server is bounded ({@link ReplyLimits}): a reply line, a multi-line
 *   reply (lines and bytes) and the input no command has consumed yet. The session counts the
 *   replies the server owes (one per command written, the greeting at connect); a reply when
 *   none is owed is unsolicited: a protocol error (a 421 then: the server closing), never
 *   credited to a later command. A 421 to any command ends the session: nothing more is read
 *   or sent on it. Only a 354 to DATA lets the body go; a 2xx to DATA is a protocol error
 *   (no recipient may count as delivered without a body). {@link #usable()} is false while
 *   anything is unread, so a cached connection with stale input is never reused.
 *
 *   EHLO is answered 5xx: HELO instead (no extensions). STARTTLS follows the {@link TlsLevel}:
 *   none never; may when offered; encrypt and verify require it and fail the session (before
 *   any MAIL) when it is not offered or refused. The STARTTLS reply must be 220 and must be
 *   the last thing the server sent in clear text: any byte behind it, a whole line or part of
 *   one, or received before the handshake starts, is an injection attempt (RFC 3207 section
 *   6): protocol error, the connection is dropped. The handshake sends SNI = the endpoint's host name and accepts
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
 *   When the server offers CHUNKING too (RFC 3030) and the message is at most
 *   {@link #BDAT_MAX}, MAIL, every RCPT and one "BDAT n LAST" chunk carrying the whole message
 *   in canonical form (CR LF line ends, nothing dot-stuffed) go in one write: one round trip per
 *   message instead of two (DATA's 354, then the end of data). The reply to the chunk is the
 *   message's ({@link TransactionResult#chunked}); a server that rejected every RCPT answers it
 *   with an error, and each recipient keeps its RCPT reply. SmtpSettings#chunking turns it off.
 *   {@link #send} never fails: the {@link TransactionResult} carries the replies and, when the
 *   connection broke, the failure.
 *   TLS sessions resume through the TLS engine's client session cache of the shared
 *   NetClient (warmwire.session.tls.TlsEngine) and, across instances, through the
 *   {@link SessionTickets} store: asked at connect, fed after the EHLO that follows STARTTLS.
 */
public final class SmtpSession {
    private static final int BODY_CHUNK = 64 * 1024;
    /** Largest message sent with BDAT, in one chunk and one write; larger ones go with DATA (streamed). */
    public static final int BDAT_MAX = 1024 * 1024;
    /** The whole-body deadline grants one second per 16 KiB beyond the data-body timeout. */
    private static final int BODY_BYTES_PER_MS = 16;

    private final Vertx vertx;
    private final NetClient client;
    private final SmtpSettings settings;
    private final Endpoint endpoint;
    private final TlsLevel level;
    private final PeerVerifier verifier;
    private final SessionTickets tickets;
    private final TlsInspector inspector;
    private final String peer;

    private final ReplyParser parser;
    private final ArrayDeque<Reply> unread = new ArrayDeque<>();
    private LineReader reader;
    /** Replies the server owes: one per command written (the greeting at connect), minus those read. */
    private int owed;
    /** Text held in {@link #unread}, for the unread-input bound. */
    private int unreadBytes;
    /** When the command whose replies are awaited was written (System.nanoTime); timeouts run from it. */
    private long commandAt;
    /** A 421 the server sent: it is closing the session, nothing more goes on this connection. */
    private Reply ended;
    private long bodyTimer = -1;
    private NetSocket socket;
    private SmtpState state = SmtpState.CONNECT;
    private Promise<Reply> waiting;
    private Promise<Void> body;
    private long timer = -1;
    private SmtpFailure failure;
    private SmtpFailure refusal;
    private boolean closed;
    private boolean handshaking;
    private Capabilities capabilities = Capabilities.NONE;
    private TlsDetails tls;
    private Reply greeting;
    private int deliveries;
    private Runnable closeListener;
    private SessionTickets.Prepared ticket;

    /**
     * @param tickets the shared TLS session store: asked before STARTTLS, fed after the EHLO that follows it
     * @param inspector the TLS layer's answers about the handshake (its engine, whether it resumed)
     */
    public SmtpSession(Vertx vertx, NetClient client, SmtpSettings settings, Endpoint endpoint, TlsLevel level,
                       PeerVerifier verifier, SessionTickets tickets, TlsInspector inspector) {
        this.tickets = tickets == null ? SessionTickets.NONE : tickets;
        this.inspector = inspector == null ? TlsInspector.CREATION_TIME : inspector;
        this.vertx = vertx;
        this.client = client;
        this.settings = settings;
        this.endpoint = endpoint;
        this.level = level == null ? TlsLevel.MAY : level;
        this.verifier = verifier == null ? PeerVerifier.NOTHING : verifier;
        this.peer = endpoint.relay();
        this.parser = new ReplyParser(settings.limits());
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
            ticket = tickets.prepare(address, endpoint.port(), endpoint.host(), level);
        }
        client.connect(endpoint.port(), address).onComplete(ar -> {
            if (ar.failed()) {
                failure = new SmtpFailure(SmtpFailure.Kind.CONNECT, SmtpState.CONNECT, null,
                        "connect to " + peer + ": " + describe(ar.cause()));
                enter(SmtpState.CLOSED);
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
        reader = new LineReader(settings.limits().maxLineLength(), this::onLine);
        owed = 1; // the greeting
        commandAt = System.nanoTime();
        s.handler(this::onData);
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
            return hello(SmtpState.EHLO);
        }).compose(v -> startTls()).compose(v -> enter(SmtpState.READY) ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(failure));
    }

    /** EHLO, in {@code ehlo} = EHLO (then HELO after a 5xx) or EHLO_TLS (after STARTTLS: no HELO fallback). */
    private Future<Void> hello(SmtpState ehlo) {
        write("EHLO " + settings.heloName(), 1);
        return expect(ehlo).compose(r -> {
            if (r.positive()) {
                capabilities = Capabilities.parse(r);
                return Future.succeededFuture();
            }
            if (ehlo == SmtpState.EHLO && r.permanentFailure()) {
                write("HELO " + settings.heloName(), 1);
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
            ticketDone(); // no handshake on this connection: a prepared session goes back
            if (level.mandatory()) {
                return refuse(SmtpFailure.Kind.TLS_REQUIRED, null, "TLS is required, but was not offered by host " + peer);
            }
            return Future.succeededFuture();
        }
        write("STARTTLS", 1);
        return expect(SmtpState.STARTTLS).compose(r -> {
            if (r.code() != 220) {
                ticketDone();
                if (level.mandatory()) {
                    return refuse(SmtpFailure.Kind.TLS_REQUIRED, r,
                            "TLS is required, but host " + peer + " refused to start TLS: " + r);
                }
                return Future.succeededFuture(); // may: nothing sent yet, carry on in clear text
            }
            if (!unread.isEmpty() || parser.partial() || reader.buffered() > 0) {
                return fatal(SmtpFailure.Kind.PROTOCOL, "protocol error with " + peer
                        + ": data after the 220 reply to STARTTLS");
            }
            return handshake();
        });
    }

    private Future<Void> handshake() {
        if (!enter(SmtpState.TLS_HANDSHAKE)) {
            return Future.failedFuture(failure);
        }
        handshaking = true;
        armTimer(SmtpState.TLS_HANDSHAKE);
        long handshakeStarted = System.currentTimeMillis();
        // the stored session fetched since connect is ready for the ClientHello (or the store
        // gave up: ticket-wait); the handshake timer already runs
        Future<Void> ready = ticket == null ? Future.succeededFuture() : ticket.ready();
        return ready.compose(v -> socket.upgradeToSsl(endpoint.host())).transform(ar -> {
            handshaking = false;
            cancelTimer();
            ticketDone(); // the handshake is over: a prepared session it did not take goes back
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
                    inspector.resumed(socket, ss, handshakeStarted), problem);
            if (level.verified() && problem != null) {
                return refuse(SmtpFailure.Kind.TLS_NOT_VERIFIED, null,
                        "Server certificate not verified: " + peer + ": " + problem);
            }
            // the server's session tickets came with (before) its reply to this EHLO
            return hello(SmtpState.EHLO_TLS).onSuccess(x -> tickets.collect(inspector.engine(socket), address(), endpoint.port(),
                    endpoint.host(), level));
        });
    }

    // ---------------------------------------------------------------- mail transaction

    /** Runs one mail transaction; always succeeds, see {@link TransactionResult#failure()}. */
    public Future<TransactionResult> send(Envelope env) {
        return transaction(env, false);
    }

    /**
     * Runs one mail transaction after RSET (a connection taken from the cache): with PIPELINING,
     * RSET goes in the same write as MAIL, RCPT and DATA (or BDAT) and its reply is read first; in lockstep it is sent and answered alone. A reply other than
     * 250 to RSET drops the connection ({@link TransactionResult#rset()} keeps the reply).
     * Always succeeds, see {@link TransactionResult#failure()}.
     */
    public Future<TransactionResult> resetAndSend(Envelope env) {
        return transaction(env, true);
    }

    private Future<TransactionResult> transaction(Envelope env, boolean rsetFirst) {
        TransactionResult res = new TransactionResult(env.recipients().size());
        if (failure == null && refusal == null && ended == null && !closed && state == SmtpState.READY && inputPending()) {
            // the server sent something no command asked for (behind its last reply, or while idle)
            fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null, "protocol error with " + peer
                    + ": unsolicited data (no command was waiting for it) before MAIL FROM"));
        }
        if (!usable()) {
            res.failure(failure != null ? failure : refusal != null ? refusal
                    : new SmtpFailure(SmtpFailure.Kind.LOST, state, null, "session with " + peer + " is not ready (" + state + ")"));
            return Future.succeededFuture(res);
        }
        TransactionResult.NotSent unfit = unfit(env);
        if (unfit != null) {
            res.notSent(unfit);
            return Future.succeededFuture(res);
        }
        deliveries++;
        boolean pipelined = capabilities.pipelining();
        res.pipelined(pipelined);
        List<String> rcpts = env.recipients();
        String mail = mailCommand(env);
        Future<Void> done;
        Future<Void> reset = Future.succeededFuture();
        if (rsetFirst && !pipelined) {
            write("RSET", 1);
            reset = expect(SmtpState.RSET).compose(r -> checkReset(res, r));
        }
        boolean chunked = pipelined && settings.chunking() && capabilities.chunking() && env.content().length <= BDAT_MAX;
        res.chunked(chunked);
        int replies = (rsetFirst ? 1 : 0) + 1 + rcpts.size() + 1; // a pipelined group: RSET?, MAIL, RCPTs, DATA or BDAT
        if (chunked) {
            // RFC 3030 with RFC 2920: MAIL, every RCPT and the whole message as one last BDAT
            // chunk in one write; the replies come in that order, the last one is the message's
            Buffer message = Buffer.buffer(env.content().length + 64);
            DotStuffer.canonical(env.content(), message);
            StringBuilder commands = envelopeCommands(rsetFirst, mail, rcpts).append("BDAT ").append(message.length())
                    .append(" LAST\r\n");
            write(Buffer.buffer(message.length() + commands.length() + 16).appendString(commands.toString(), "UTF-8")
                    .appendBuffer(message), replies);
            done = pipelinedEnvelope(res, rcpts, rsetFirst, reset).compose(v -> expect(SmtpState.BDAT)).map(r -> {
                res.dataDone(r);
                return null;
            });
        } else if (pipelined) {
            write(envelopeCommands(rsetFirst, mail, rcpts).append("DATA").toString(), replies);
            done = pipelinedEnvelope(res, rcpts, rsetFirst, reset).compose(v -> expect(SmtpState.DATA)).compose(r -> {
                res.data(r);
                return afterData(env, res);
            });
        } else {
            done = reset.compose(v -> {
                write(mail, 1);
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
                        write("RSET", 1);
                        return expect(SmtpState.RSET).mapEmpty();
                    }
                    write("DATA", 1);
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
            } else if (failure == null && !enter(SmtpState.READY)) {
                res.failure(failure);
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

    /** RSET (when {@code rsetFirst}), MAIL and every RCPT, each with its CR LF: the head of a pipelined group. */
    private static StringBuilder envelopeCommands(boolean rsetFirst, String mail, List<String> rcpts) {
        StringBuilder b = new StringBuilder(64 + 48 * rcpts.size());
        if (rsetFirst) {
            b.append("RSET\r\n");
        }
        b.append(mail).append("\r\n");
        for (String r : rcpts) {
            b.append("RCPT TO:<").append(r).append(">\r\n");
        }
        return b;
    }

    /**
     * The replies to a pipelined envelope, in order: RSET (when {@code rsetFirst}; otherwise
     * {@code reset}, already answered or nothing), MAIL, then each RCPT; completes when the last
     * RCPT reply is read.
     */
    private Future<Void> pipelinedEnvelope(TransactionResult res, List<String> rcpts, boolean rsetFirst, Future<Void> reset) {
        Future<Void> first = rsetFirst ? expect(SmtpState.RSET).compose(r -> checkReset(res, r)) : reset;
        return first.compose(v -> expect(SmtpState.MAIL)).compose(r -> {
            res.mail(r);
            Promise<Void> p = Promise.promise();
            rcptLoop(res, rcpts, 0, false, p);
            return p.future();
        });
    }

    /** RCPT replies from index k on; iterative while replies are already buffered. */
    private void rcptLoop(TransactionResult res, List<String> rcpts, int k, boolean lockstep, Promise<Void> done) {
        while (k < rcpts.size()) {
            if (lockstep) {
                write("RCPT TO:<" + rcpts.get(k) + ">", 1);
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
            if (d.code() >= 400) {
                return Future.succeededFuture(); // the DATA refusal decides for every accepted recipient
            }
            // RFC 5321 section 4.3.2: DATA is answered 354 (go ahead) or refused; a 2xx (or another
            // 3xx) would let a recipient count as delivered though no body went: never
            return fatal(SmtpFailure.Kind.PROTOCOL, "protocol error with " + peer + ": DATA was answered "
                    + d.code() + " instead of 354, no message was sent");
        }
        if (res.accepted() == 0) {
            // pipelined, nobody accepted, yet 354: end an empty message (RFC 2920 section 3.1)
            write(".", 1);
            return expect(SmtpState.DATA_DONE).mapEmpty();
        }
        return sendBody(env.content()).compose(v -> expect(SmtpState.DATA_DONE)).map(r -> {
            res.dataDone(r);
            return null;
        });
    }

    /**
     * Whether this server cannot take the message, from what its EHLO announced, in Postfix's
     * words: larger than its SIZE limit (RFC 1870: 5.3.4), or with non-ASCII addresses to a
     * server without SMTPUTF8 (RFC 6531 3.2: the client must not send them; 5.6.7), or with
     * 8-bit data to a server without 8BITMIME (RFC 6152 section 3: such a client must not send
     * it; 5.6.3, conversion required but not supported: Warmwire does not convert to
     * quoted-printable, a conversion would break the DKIM signatures made over the 8-bit form), or with
     * REQUIRETLS to a server that does not offer it after verified TLS (RFC 8689 4.2.1; 5.7.30). Null when it
     * can. Nothing is sent then: the message bounces for its recipients, the connection stays.
     */
    private TransactionResult.NotSent unfit(Envelope env) {
        long limit = capabilities.sizeLimit();
        if (limit > 0 && env.content().length > limit) {
            return new TransactionResult.NotSent("5.3.4", "message size " + env.content().length + " exceeds size limit "
                    + limit + " of server " + peer);
        }
        if (env.needsSmtpUtf8() && !capabilities.smtpUtf8()) {
            return new TransactionResult.NotSent("5.6.7", "SMTPUTF8 is required, but was not offered by host " + peer);
        }
        if (!capabilities.eightBitMime() && env.eightBit()) {
            return new TransactionResult.NotSent("5.6.3", "8BITMIME is required (the message has 8-bit data), but was not"
                    + " offered by host " + peer + "; Warmwire does not convert the message");
        }
        if (env.requireTls() && (tls == null || !tls.verified())) {
            return new TransactionResult.NotSent("5.7.30", "REQUIRETLS support required, but the TLS session with host "
                    + peer + " is " + (tls == null ? "not there" : "not verified"));
        }
        if (env.requireTls() && !capabilities.requireTls()) {
            return new TransactionResult.NotSent("5.7.30", "REQUIRETLS support required, but was not offered by host " + peer);
        }
        return null;
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
        if (env.requireTls()) {
            b.append(" REQUIRETLS"); // unfit() made sure the server offers it over verified TLS
        }
        return b.toString();
    }

    private Future<Void> sendBody(byte[] content) {
        if (!enter(SmtpState.DATA_BODY)) {
            return Future.failedFuture(failure);
        }
        Promise<Void> p = Promise.promise();
        body = p;
        // the data-body timeout bounds each stall of the write queue (RFC 5321 4.5.3.2.5); this
        // deadline bounds the whole body, so a server that reads a byte now and then cannot hold
        // the connection for ever: the timeout plus one second per 16 KiB
        long whole = settings.timeouts().millis(SmtpState.DATA_BODY) + content.length / BODY_BYTES_PER_MS;
        bodyTimer = vertx.setTimer(Math.max(1, whole), id -> {
            bodyTimer = -1;
            fail(new SmtpFailure(SmtpFailure.Kind.TIMEOUT, SmtpState.DATA_BODY, null,
                    "conversation with " + peer + " timed out while " + SmtpState.DATA_BODY.during()
                            + " (" + content.length + " bytes not taken in " + whole / 1000 + " s)"));
        });
        pumpBody(content, 0, new DotStuffer(), p);
        return p.future();
    }

    private void pumpBody(byte[] content, int from, DotStuffer stuffer, Promise<Void> p) {
        int pos = from;
        while (failure == null) {
            if (pos >= content.length) {
                endBody(Buffer.buffer(8), stuffer, p);
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
            boolean last = pos + n >= content.length;
            Buffer chunk = Buffer.buffer(n + n / 16 + 16);
            stuffer.write(content, pos, n, chunk);
            pos += n;
            if (last) { // the end of data in the same write: one TLS record and one syscall fewer per message
                endBody(chunk, stuffer, p);
                return;
            }
            socket.write(chunk);
        }
        p.tryFail(failure);
    }

    /** Ends the body in {@code tail} (CRLF.CRLF after what it holds), writes it, and waits for the final dot's reply. */
    private void endBody(Buffer tail, DotStuffer stuffer, Promise<Void> p) {
        stuffer.finish(tail);
        owed++; // the reply to the final dot
        commandAt = System.nanoTime();
        socket.write(tail);
        cancelBodyTimer();
        body = null;
        p.tryComplete();
    }

    // ---------------------------------------------------------------- closing

    /** Says QUIT (bounded by the QUIT timeout) and closes; never fails. */
    public Future<Void> quit() {
        if (socket == null || closed || failure != null) {
            close();
            return Future.succeededFuture();
        }
        if (ended != null) {
            close(); // the server said 421 and closes: nothing more to say
            return Future.succeededFuture();
        }
        write("QUIT", 1);
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
        quiesce();
        closeSocket();
    }

    /** No timer runs, a prepared TLS session goes back, no more input is read. */
    private void quiesce() {
        cancelTimer();
        cancelBodyTimer();
        ticketDone();
        if (reader != null) {
            reader.stop();
        }
    }

    /** The socket closed (once), the state CLOSED, the close listener told. */
    private void closeSocket() {
        if (!closed) {
            closed = true;
            if (socket != null) {
                socket.close();
            }
        }
        enter(SmtpState.CLOSED);
        notifyClosed();
    }

    // ---------------------------------------------------------------- reply plumbing

    private void onData(Buffer data) {
        if (failure != null) {
            return;
        }
        try {
            reader.feed(data);
        } catch (SmtpProtocolException e) {
            fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null,
                    "protocol error with " + peer + " while " + state.during() + ": " + e.getMessage()));
            return;
        }
        if (failure == null && unreadBytes + reader.buffered() > settings.limits().maxUnreadBytes()) {
            fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null, "protocol error with " + peer + " while "
                    + state.during() + ": more than " + settings.limits().maxUnreadBytes() + " bytes of replies unread"));
        }
    }

    private void onLine(String line) {
        if (failure != null) {
            return;
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
        if (owed == 0) {
            // no command waits for it: never credit it to a later one
            if (r.code() == 421) {
                // RFC 5321 section 3.8: the server is closing the connection (e.g. its idle timeout)
                fail(new SmtpFailure(SmtpFailure.Kind.LOST, state, r, state == SmtpState.READY
                        ? "host " + peer + " closed the idle connection: " + r
                        : "host " + peer + " closed the connection while " + state.during() + ": " + r));
            } else {
                fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, r, "protocol error with " + peer + " while "
                        + state.during() + ": unsolicited reply (no command was waiting for it): " + r));
            }
            return;
        }
        owed--;
        if (r.code() == 421 && ended == null) {
            ended = r; // whatever it answers, the server is closing the session
        }
        Promise<Reply> w = waiting;
        if (w != null) {
            waiting = null;
            cancelTimer();
            w.complete(r);
        } else {
            unread.add(r);
            unreadBytes += r.size();
        }
    }

    /**
     * The one way into a state ({@link SmtpState#mayGoTo}). A transition the table does not
     * allow is a bug of this engine, never the peer's doing: the session fails (its jobs deferred
     * with the reason, the connection closed) instead of going on in a state it cannot be in. Returns whether
     * the session is in {@code next} now.
     */
    private boolean enter(SmtpState next) {
        if (state.mayGoTo(next)) {
            state = next;
            return true;
        }
        fail(new SmtpFailure(SmtpFailure.Kind.PROTOCOL, state, null,
                "internal error: SMTP client state " + state + " cannot go to " + next + "; session with " + peer + " closed"));
        return false;
    }

    private Future<Reply> expect(SmtpState s) {
        if (failure != null) {
            return Future.failedFuture(failure);
        }
        if (ended != null) {
            // RFC 5321 section 3.8: after a 421 the server closes; no reply after it counts
            return fatal(SmtpFailure.Kind.LOST, ended, "host " + peer + " ended the session: " + ended);
        }
        if (!enter(s)) {
            return Future.failedFuture(failure);
        }
        Reply r = unread.poll();
        if (r != null) {
            unreadBytes -= r.size();
            return Future.succeededFuture(r);
        }
        Promise<Reply> p = Promise.promise();
        waiting = p;
        // from the command, not from the last byte: a server trickling its reply (or the replies
        // of a pipelined group) gets the state's timeout in all, never more
        long elapsed = (System.nanoTime() - commandAt) / 1_000_000;
        armTimer(s, Math.max(1, settings.timeouts().millis(s) - elapsed));
        return p.future();
    }

    /** Writes one command (or a pipelined group) that the server answers with {@code replies} replies. */
    private void write(String command, int replies) {
        write(Buffer.buffer(command + "\r\n", "UTF-8"), replies);
    }

    /** Writes commands (and a BDAT chunk) ready on the wire, answered with {@code replies} replies. */
    private void write(Buffer wire, int replies) {
        if (socket != null && !closed) {
            owed += replies;
            commandAt = System.nanoTime();
            socket.write(wire);
        }
    }

    private void armTimer(SmtpState s) {
        armTimer(s, settings.timeouts().millis(s));
    }

    private void armTimer(SmtpState s, long millis) {
        cancelTimer();
        timer = vertx.setTimer(millis, id -> {
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

    /** The prepared TLS session, if any, is no longer wanted by this session (given back unless used). */
    private void ticketDone() {
        SessionTickets.Prepared t = ticket;
        ticket = null;
        if (t != null) {
            t.done();
        }
    }

    private void cancelBodyTimer() {
        if (bodyTimer >= 0) {
            vertx.cancelTimer(bodyTimer);
            bodyTimer = -1;
        }
    }

    /** The connection is unusable: record why, fail what waits, drop it. */
    private void fail(SmtpFailure f) {
        if (failure == null) {
            failure = f;
        }
        quiesce();
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
        closeSocket();
    }

    private <T> Future<T> fatal(SmtpFailure.Kind kind, String message) {
        return fatal(kind, null, message);
    }

    private <T> Future<T> fatal(SmtpFailure.Kind kind, Reply reply, String message) {
        fail(new SmtpFailure(kind, state, reply, message));
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

    /**
     * Whether a new transaction may start now: READY, not ended by the server (421), and nothing
     * unread - no reply owed or read ahead, no partial line - so no stale reply can answer the
     * next message's commands.
     */
    public boolean usable() {
        return failure == null && refusal == null && ended == null && !closed && state == SmtpState.READY && !inputPending();
    }

    /** Replies owed or read ahead, a partial line, or bytes not split into lines yet. */
    private boolean inputPending() {
        return owed != 0 || !unread.isEmpty() || parser.partial() || (reader != null && reader.buffered() != 0);
    }

    /** The 421 with which the server ended the session, or null. */
    public Reply ended() {
        return ended;
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

    /**
     * Deliveries (mail transactions) begun on this connection: the conn_use of the last one, as
     * Postfix logs it and {@code DeliveryOutcome.connectionUse} carries it; a site closes the
     * connection at its {@code max-deliveries-per-connection}.
     */
    public int deliveries() {
        return deliveries;
    }

    /** The failure or refusal that ended the session, or null. */
    public SmtpFailure failure() {
        return failure != null ? failure : refusal;
    }
}
