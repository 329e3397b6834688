"""The transport: threads per connection or stream (issue 13 item 4), partial prefaces (5),
SIGTERM with work in flight (7), oversized headers and bodies (8), malformed framing (13),
and HTTP/2 frames no client library would send."""
import json
import struct
import threading
import time

import h2
from payloads import MODEL, SHORT_STREAM_TEXT, SLOW_STREAM_TEXT, SONIC, converse
from registry import case
from wire import (Failure, chunk, connect, es_decode, es_message, exchange, expect_4xx_or_closed,
                  request_bytes, reset_close)

MB = 1 << 20
GRACE_S = 2  # passed as --shutdown-grace when the binary knows the flag


def open_many(port, n, first_bytes):
    """n connections that each sent first_bytes; a refused or closed one is not an error."""
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = connect(port, timeout=2)
            if first_bytes:
                s.sendall(first_bytes)
            socks.append(s)
        except OSError:
            refused += 1
    return socks, refused


def close_all(socks):
    for s in socks:
        try:
            reset_close(s)
        except OSError:
            pass


# -- item 4: a thread per slow upload or per stream ----------------------------------------
def slow_uploads(ctx, head, piece, n=300):
    socks, refused = open_many(ctx.port, n, head)
    try:
        for _ in range(3):
            time.sleep(0.8)  # the monitor samples Threads and probes meanwhile
            for s in socks:
                try:
                    s.sendall(piece)
                except OSError:
                    pass
        ctx.note(f"{len(socks)} open, {refused} refused")
    finally:
        close_all(socks)


@case("04-slow-chunked-uploads", fresh=True)
def _slow_chunked(ctx):
    head = request_bytes("POST", f"/model/{MODEL}/converse", chunked=True) + chunk(b'{"messages":')
    slow_uploads(ctx, head, chunk(b" "))


@case("x-slowloris-content-length-bodies", fresh=True)
def _slow_cl(ctx):
    head = request_bytes("POST", f"/model/{MODEL}/converse", headers={"Content-Length": "1000"}) + b"{"
    slow_uploads(ctx, head, b" ")


def stream_body(text):
    return json.dumps(converse(text)).encode()


@case("04-h2-many-streams", fresh=True)
def _h2_streams(ctx):
    conn = h2.H2(ctx.port)
    try:
        conn.read_until(lambda: conn.peer_settings_seen, 2)
        body = stream_body(SLOW_STREAM_TEXT)
        for i in range(900):
            sid = 1 + 2 * i
            if not conn.headers(sid, h2.request_headers("POST", f"/model/{MODEL}/converse-stream")):
                break
            conn.data(sid, body, end_stream=True)
            if i % 50 == 0:
                conn.read(0)
        conn.read(2.5)
        opened = sum(1 for s in conn.streams.values() if s.headers_seen and s.rst is None)
        ctx.note(f"{opened} streams answered, {sum(1 for s in conn.streams.values() if s.rst is not None)} reset")
    finally:
        conn.close(reset=True)


# -- item 5: a partial HTTP/2 preface ------------------------------------------------------
@case("05-partial-preface-1500-connections", fresh=True)
def _preface_many(ctx):
    deadline = time.monotonic() + 5  # a server that stalls on these makes connect() wait
    for _ in range(1500):
        if time.monotonic() > deadline:
            ctx.note("stopped after 5 s of connecting")
            break
        try:
            s = connect(ctx.port, timeout=2)
            s.sendall(b"P")
            s.close()
        except OSError:
            pass
    time.sleep(1.5)


for name, data in {"P": b"P", "PRI-line": b"PRI * HTTP/2.0\r\n"}.items():
    @case(f"05-partial-preface-{name}-half-close")
    def _preface_half(ctx, data=data):
        ex = exchange(ctx.port, data, until="close", timeout=2, half_close=True)
        if not ex.closed:
            raise Failure(f"the connection stayed open ({ex.describe()})")


# -- item 7: SIGTERM with work in flight ---------------------------------------------------
def expect_exit(ctx, after=None):
    limit = ctx.server.grace + 1.0
    took = ctx.server.terminate(limit)
    if took is None:
        raise Failure(f"still running {limit:.0f} s after SIGTERM (grace {ctx.server.grace:.0f} s)")
    ctx.note(f"exited {took:.2f} s after SIGTERM")
    if after:
        after()


@case("07-sigterm-idle", fresh=True, probe=False, checks_after=False, grace=GRACE_S)
def _term_idle(ctx):
    expect_exit(ctx)


@case("07-sigterm-trickling-chunked-body", fresh=True, probe=False, checks_after=False, grace=GRACE_S)
def _term_trickle(ctx):
    stop = threading.Event()
    sock = connect(ctx.port)
    sock.sendall(request_bytes("POST", f"/model/{MODEL}/converse", chunked=True) + chunk(b'{"messages":'))

    def trickle():
        while not stop.wait(0.2):
            try:
                sock.sendall(chunk(b" "))
            except OSError:
                return
    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        expect_exit(ctx)
    finally:
        stop.set()
        sock.close()


@case("07-sigterm-http1-stream", fresh=True, probe=False, checks_after=False, grace=GRACE_S)
def _term_http1_stream(ctx):
    sock = connect(ctx.port)
    sock.sendall(request_bytes("POST", f"/model/{MODEL}/converse-stream", stream_body(SLOW_STREAM_TEXT)))
    sock.settimeout(2)
    try:
        if not sock.recv(100):
            raise Failure("the stream did not start")
        expect_exit(ctx)
    finally:
        sock.close()


def h2_stream_then_term(ctx, text):
    conn = h2.H2(ctx.port)
    try:
        conn.request(1, "POST", f"/model/{MODEL}/converse-stream", stream_body(text))
        if not conn.read_until(lambda: conn.stream(1).data > 0, 3):
            raise Failure(f"the stream did not start: {conn.outcome(1)}")
        result = {}
        stopper = threading.Thread(target=lambda: result.update(error=_term(ctx)), daemon=True)
        stopper.start()
        conn.read_until(lambda: conn.closed, ctx.server.grace + 1.5)
        stopper.join(ctx.server.grace + 2)
        if result.get("error"):
            raise Failure(result["error"])
        return conn
    finally:
        conn.close()


def _term(ctx):
    try:
        expect_exit(ctx)
    except Failure as e:
        return str(e)
    return None


@case("07-sigterm-h2-goaway", fresh=True, probe=False, checks_after=False, grace=GRACE_S)
def _term_h2(ctx):
    conn = h2_stream_then_term(ctx, SLOW_STREAM_TEXT)
    if conn.goaway is None:
        raise Failure(f"no GOAWAY before the close: {conn.outcome(1)}")


@case("07-sigterm-h2-short-stream-finishes", fresh=True, probe=False, checks_after=False, grace=GRACE_S)
def _term_h2_short(ctx):
    conn = h2_stream_then_term(ctx, SHORT_STREAM_TEXT)
    if conn.goaway is None:
        raise Failure(f"no GOAWAY: {conn.outcome(1)}")
    if not conn.stream(1).ended:
        raise Failure(f"a 1 s stream was cut within the {ctx.server.grace:.0f} s grace: {conn.outcome(1)}")


# -- item 8: headers and bodies far past any limit -----------------------------------------
def repeated(piece, total):
    block = piece * max(1, MB // len(piece))
    for _ in range(total // len(block)):
        yield block


def expect_refused_big(ctx, parts, send_cap, aws_shape=False):
    ex = exchange(ctx.port, parts, timeout=5, send_cap=send_cap, send_time_cap=8.0)
    ctx.note(f"sent {ex.sent / MB:.0f} MB; {ex.describe()}")
    expect_4xx_or_closed(ex, aws_shape=aws_shape, must_close=True)


def head_only(method="GET", path="/_emulator/health"):
    return f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()


@case("08-many-small-headers", fresh=True)
def _many_headers(ctx):
    parts = [head_only(), *repeated(b"X-Hardening-Pad: 0123456789\r\n", 100 * MB), b"\r\n"]
    expect_refused_big(ctx, parts, 101 * MB)


@case("08-huge-header-line", fresh=True)
def _huge_header(ctx):
    parts = [head_only() + b"X-Hardening-Pad: ", *repeated(b"a", 300 * MB), b"\r\n\r\n"]
    expect_refused_big(ctx, parts, 301 * MB)


@case("08-huge-request-line", fresh=True)
def _huge_line(ctx):
    parts = [b"GET /", *repeated(b"a", 300 * MB), b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]
    expect_refused_big(ctx, parts, 301 * MB)


def text_body_parts(size):
    before = b'{"messages":[{"role":"user","content":[{"text":"'
    after = b'"}]}]}'
    return before, after, len(before) + size + len(after)


@case("08-http1-huge-body", fresh=True)
def _huge_body(ctx):
    size = 200 * MB
    before, after, total = text_body_parts(size)
    head = request_bytes("POST", f"/model/{MODEL}/converse", headers={"Content-Length": str(total)})
    expect_refused_big(ctx, [head + before, *repeated(b"lorem ", size), after], total + MB, aws_shape=True)


@case("08-http1-huge-chunked-body", fresh=True)
def _huge_chunked(ctx):
    size = 200 * MB
    before, after, _ = text_body_parts(size)
    head = request_bytes("POST", f"/model/{MODEL}/converse", chunked=True)
    block = chunk(b"lorem " * (MB // 6))
    parts = [head + chunk(before), *([block] * (size // len(block))), chunk(after) + b"0\r\n\r\n"]
    expect_refused_big(ctx, parts, size + 2 * MB, aws_shape=True)


@case("08-h2-huge-data", fresh=True)
def _h2_huge(ctx):
    conn = h2.H2(ctx.port)
    try:
        conn.read_until(lambda: conn.peer_settings_seen, 2)
        conn.headers(1, h2.request_headers("POST", f"/model/{MODEL}/converse"))
        before, after, _ = text_body_parts(0)
        conn.send_body(1, before, end_stream=False)
        sent, block = 0, b"lorem " * (MB // 6)
        while sent < 200 * MB and conn.send_body(1, block, end_stream=False):
            sent += len(block)
        if sent >= 200 * MB:
            conn.send_body(1, after, end_stream=True)
        conn.read_until(lambda: conn.refused(1) or conn.stream(1).ended or conn.closed, 5)
        ctx.note(f"sent {sent / MB:.0f} MB; {conn.outcome(1)}")
        s = conn.stream(1)
        if s.status is not None and not 400 <= s.status < 500:
            raise Failure(f"answered :status {s.status} after {sent / MB:.0f} MB")
        if sent >= 200 * MB and not conn.refused(1):
            raise Failure(f"took 200 MB without refusing: {conn.outcome(1)}")
    finally:
        conn.close(reset=True)


# -- item 13: malformed framing ------------------------------------------------------------
HEALTH = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

for name, data in {
    "malformed-request-line": b"GARBAGE\r\n\r\n" + HEALTH,
    "bare-lf-request": b"GET /_emulator/health HTTP/1.1\nHost: 127.0.0.1\n\n" + HEALTH,
    "content-length-negative": request_bytes("POST", f"/model/{MODEL}/converse", b"{}", {"Content-Length": "-1"}) + HEALTH,
    "content-length-20-digits": request_bytes("POST", f"/model/{MODEL}/converse", b"{}",
                                              {"Content-Length": "9" * 20}) + HEALTH,
    "content-length-twice-differing": request_bytes("POST", f"/model/{MODEL}/converse", b"{}",
                                                    {"Content-Length": "2", "content-length": "3"}) + HEALTH,
}.items():
    @case(f"13-{name}")
    def _malformed(ctx, data=data):
        ex = exchange(ctx.port, data, until="close", timeout=3)
        expect_4xx_or_closed(ex, must_close=True)


def h2_header_block(ctx, extra):
    """A request whose header block is past any limit: refused with GOAWAY, RST_STREAM or a
    4xx (RFC 9113 section 10.5.1), not a bare TCP close."""
    conn = h2.H2(ctx.port)
    try:
        conn.read_until(lambda: conn.peer_settings_seen, 2)
        conn.headers(1, h2.request_headers("POST", f"/model/{MODEL}/converse", extra), end_stream=True)
        conn.read_until(lambda: conn.refused(1) or conn.closed or conn.stream(1).ended, 5)
        ctx.note(conn.outcome(1))
        if not conn.refused(1):
            raise Failure(f"not refused with GOAWAY, RST_STREAM or a 4xx: {conn.outcome(1)}")
    finally:
        conn.close()


@case("13-h2-header-block-over-64k-many-headers")
def _h2_many_headers(ctx):
    h2_header_block(ctx, [(f"x-hardening-{i}", "v" * 90) for i in range(2000)])  # 200 KB


@case("13-h2-header-block-over-64k-one-header")
def _h2_one_header(ctx):
    h2_header_block(ctx, [("x-hardening-pad", "a" * 100_000)])


@case("x-h2-header-block-5mb")
def _h2_5mb(ctx):
    h2_header_block(ctx, [("x-hardening-pad", "a" * 5_000_000)])


def sonic_event(event):
    payload = json.dumps({"bytes": __import__("base64").b64encode(json.dumps({"event": event}).encode()).decode()})
    return es_message({":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
                      payload.encode())


@case("13-bidi-truncated-frame")
def _bidi_truncated(ctx):
    head = request_bytes("POST", f"/model/{SONIC}/invoke-with-bidirectional-stream", chunked=True,
                         headers={"Content-Type": "application/vnd.amazon.eventstream"})
    start = sonic_event({"sessionStart": {"inferenceConfiguration": {"maxTokens": 100, "topP": 0.9,
                                                                     "temperature": 0.7}}})
    broken = sonic_event({"promptStart": {"promptName": "p"}})[:10]
    ex = exchange(ctx.port, [head + chunk(start) + chunk(broken) + b"0\r\n\r\n"], until="close", timeout=5)
    resp = ex.first
    if resp is None:
        if ex.closed:
            return
        raise Failure(f"no answer ({ex.describe()})")
    if 400 <= resp.status < 500:
        return
    kinds = [m.get(":message-type") for m in es_decode(resp.body)]
    if resp.status != 200 or not any(k in ("exception", "error") for k in kinds):
        raise Failure(f"{resp.status} with events {kinds}: the truncated frame was not reported")


# -- more framing the issue did not list ---------------------------------------------------
for name, path in {"nul-in-path-raw": b"/model/a\x00b/converse", "nul-in-path-encoded": b"/model/a%00b/converse",
                   "percent-garbage": b"/model/%zz%/converse", "percent-truncated": b"/async-invoke/%",
                   "percent-overlong-utf8": b"/model/%c0%ae%c0%ae/converse"}.items():
    @case(f"x-{name}")
    def _bad_path(ctx, path=path):
        ex = exchange(ctx.port, request_bytes("POST", path, json.dumps(converse()).encode()), timeout=3)
        expect_4xx_or_closed(ex)


@case("x-header-count-10000")
def _header_count(ctx):
    ex = exchange(ctx.port, head_only() + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\n", timeout=3)
    expect_4xx_or_closed(ex)


@case("x-many-idle-connections", fresh=True)
def _idle(ctx):
    socks, refused = open_many(ctx.port, 2000, b"")
    try:
        time.sleep(2.0)  # probes must still be served
        ctx.note(f"{len(socks)} idle connections, {refused} refused")
    finally:
        close_all(socks)


@case("x-h2-rapid-reset")
def _rapid_reset(ctx):
    conn = h2.H2(ctx.port)
    try:
        body = json.dumps(converse()).encode()
        out = bytearray()
        for i in range(2000):
            sid = 1 + 2 * i
            out += h2.frame(h2.HEADERS, h2.END_HEADERS, sid, h2.hpack_block(
                h2.request_headers("POST", f"/model/{MODEL}/converse"))) + h2.frame(h2.DATA, 0, sid, body)
            out += h2.frame(h2.RST_STREAM, 0, sid, struct.pack(">I", 8))
        conn.send(bytes(out))
        conn.read(1.0)
    finally:
        conn.close()


@case("x-h2-data-after-end-stream")
def _h2_data_after(ctx):
    conn = h2.H2(ctx.port)
    try:
        conn.request(1, "GET", "/_emulator/health")
        conn.data(1, b"x" * 100)
        conn.read_until(lambda: conn.refused(1) or conn.closed, 3)
        if not (conn.refused(1) or conn.stream(1).status == 200):
            raise Failure(f"no answer: {conn.outcome(1)}")
    finally:
        conn.close()


@case("x-h2-window-overflow")
def _h2_window(ctx):
    conn = h2.H2(ctx.port)
    try:
        inc = h2.frame(h2.WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7FFFFFFF))
        conn.send(inc + inc)
        conn.read_until(lambda: conn.goaway is not None or conn.closed, 3)
        if conn.goaway is None:
            raise Failure(f"no GOAWAY for a flow-control window past 2^31-1: {conn.outcome(0)}")
    finally:
        conn.close()


@case("x-h2-garbage-after-preface")
def _h2_garbage(ctx):
    ex = exchange(ctx.port, h2.PREFACE + b"\xff" * 64, until="close", timeout=3)
    if not ex.closed:
        raise Failure(f"the connection stayed open ({ex.describe()})")


@case("x-h2-slow-uploads", fresh=True)
def _h2_slow_uploads(ctx):
    conn = h2.H2(ctx.port)
    try:
        conn.read_until(lambda: conn.peer_settings_seen, 2)
        for i in range(300):
            sid = 1 + 2 * i
            conn.headers(sid, h2.request_headers("POST", f"/model/{MODEL}/converse"))
            conn.data(sid, b'{"messages":')
        for _ in range(3):
            conn.read(0.8)  # the monitor samples Threads and probes meanwhile
            for i in range(300):
                conn.data(1 + 2 * i, b" ")
        ctx.note(conn.outcome(1))
    finally:
        conn.close(reset=True)


@case("x-h2-1000-idle-connections", fresh=True)
def _h2_idle_many(ctx):
    """1,000 h2c connections that sent their preface and SETTINGS and then wait are all held
    on the event loops' threads, none on a thread of its own (a thread per connection ran out
    at 256), and each one still answers."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2200 and (hard == resource.RLIM_INFINITY or hard >= 2200):
        resource.setrlimit(resource.RLIMIT_NOFILE, (2200, hard))
    before = ctx.server.status()["Threads"]
    conns, failed = [], 0
    deadline = time.monotonic() + 10
    try:
        for _ in range(1000):
            if time.monotonic() > deadline:
                break
            try:
                conns.append(h2.H2(ctx.port, timeout=3))
            except OSError:
                failed += 1
        waiting, settle = list(conns), time.monotonic() + 5
        while waiting and time.monotonic() < settle:
            time.sleep(0.1)
            waiting = [c for c in waiting if c.read(0) and not c.peer_settings_seen]
        held = sum(1 for c in conns if c.peer_settings_seen)
        time.sleep(1.0)  # idle: probes must still be served
        peak = ctx.server.status()["Threads"]
        open_now = sum(1 for c in conns if c.read(0))
        ctx.note(f"{held} held, {open_now} open after 1 s, {failed} refused; threads {before} -> {peak}")
        if held < 1000 or open_now < 1000:
            raise Failure(f"{held} of 1000 connections got SETTINGS, {open_now} still open, {failed} refused")
        if peak > before + 2:
            raise Failure(f"threads grew from {before} to {peak} with idle connections")
        last = conns[-1]
        last.request(1, "GET", "/_emulator/health")
        answered = last.read_until(lambda: last.stream(1).status is not None, 3)
        if not answered or last.stream(1).status != 200:
            raise Failure(f"a request on an idle connection: {last.outcome(1)}")
    finally:
        for c in conns:
            c.close()
