"""Raw HTTP/1.1 over a socket: send exactly the bytes a case wants, read what comes back.

Every exchange is bounded: a deadline for the whole read, a cap on the bytes kept.
"""
import json
import select
import socket
import struct
import time
import zlib

HOST = "127.0.0.1"
READ_CAP = 4 << 20


class Failure(Exception):
    """A case's assertion failed; the message is the reason printed after FAIL."""


def connect(port, timeout=5.0):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def reset_close(sock):
    """Close with RST (SO_LINGER 0), the way a killed client or a cut network ends."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, bytes(body)

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"{self.status} {self.header('x-amzn-errortype') or ''} {self.body[:120]!r}"


def parse_responses(buf, closed):
    """Every complete response at the start of buf (a body without length needs `closed`)."""
    out, pos = [], 0
    while True:
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return out, buf[pos:]
        lines = buf[pos:end].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            return out, buf[pos:]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        start = end + 4
        if "content-length" in headers:
            length = int(headers["content-length"])
            if len(buf) - start < length:
                return out, buf[pos:]
            body, pos = buf[start:start + length], start + length
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body, i = b"", start
            while True:
                eol = buf.find(b"\r\n", i)
                if eol < 0:
                    return out, buf[pos:]
                size = int(buf[i:eol].split(b";")[0], 16)
                if size == 0:
                    trailer_end = buf.find(b"\r\n", eol + 2)
                    if trailer_end < 0:
                        return out, buf[pos:]
                    pos = trailer_end + 2
                    break
                if len(buf) < eol + 2 + size + 2:
                    return out, buf[pos:]
                body += buf[eol + 2:eol + 2 + size]
                i = eol + 2 + size + 2
        elif status in (204, 304) or 100 <= status < 200:
            body, pos = b"", start
        else:
            if not closed:
                return out, buf[pos:]
            body, pos = buf[start:], len(buf)
        out.append(Response(status, parts[2].decode("latin-1") if len(parts) > 2 else "", headers, body))


class Exchange:
    """What came back on one connection: responses, whether it was closed, and when."""

    def __init__(self):
        self.buf = bytearray()
        self.closed = False       # the server closed (FIN or RST)
        self.reset = False        # ... with RST
        self.timed_out = False    # the deadline passed with the connection still open
        self.elapsed = 0.0
        self.sent = 0
        self.send_blocked = False  # the server stopped reading what the client sent
        self.responses = []

    @property
    def first(self):
        return self.responses[0] if self.responses else None

    def describe(self):
        bits = [f"{len(self.responses)} response(s)"]
        if self.first:
            bits.append(f"first {self.first!r}")
        bits.append("closed" if self.closed else ("still open" if self.timed_out else "open"))
        return ", ".join(bits) + f" after {self.elapsed:.1f} s"


def _read_into(sock, ex, cap):
    try:
        data = sock.recv(65536)
    except (ConnectionResetError, BrokenPipeError):
        ex.closed = ex.reset = True
        return False
    except (socket.timeout, BlockingIOError):
        return True
    if not data:
        ex.closed = True
        return False
    if len(ex.buf) < cap:
        ex.buf += data[:cap - len(ex.buf)]  # a bytearray: appending stays linear
    return True


def exchange(port, parts, until="response", timeout=3.0, pause=0.0, half_close=False,
             send_cap=None, stall_s=2.0, cap=READ_CAP, sock=None, send_time_cap=10.0):
    """Sends `parts` (bytes, or an iterable of bytes for big or paced sends) and reads.

    until="response": stop after the first complete response (or close, or the deadline);
    until="close": read until the server closes or `timeout` passes (timed_out is then set).
    pause: seconds between parts. half_close: shutdown(SHUT_WR) after the last part.
    send_cap: stop sending after that many bytes; send_time_cap: after that many seconds. A
    server that accepts nothing for `stall_s` while the client still has bytes to send ends
    the sending (send_blocked).
    """
    ex = Exchange()
    start = time.monotonic()
    own = sock is None
    sock = sock or connect(port)
    try:
        sock.setblocking(False)
        if isinstance(parts, (bytes, bytearray)):
            parts = [bytes(parts)]
        for part in parts:
            view = memoryview(part)
            while view:
                if ex.closed or time.monotonic() - start > send_time_cap:
                    ex.send_blocked = not ex.closed
                    break
                r, w, _ = select.select([sock], [sock], [], stall_s)
                if r and not _read_into(sock, ex, cap):
                    break
                if not w:
                    if not r:
                        ex.send_blocked = True
                        break
                    continue
                try:
                    n = sock.send(view[:262144])
                except (BrokenPipeError, ConnectionResetError):
                    ex.closed = ex.reset = True
                    break
                except BlockingIOError:
                    continue
                ex.sent += n
                view = view[n:]
                if send_cap and ex.sent >= send_cap:
                    break
            if ex.closed or ex.send_blocked or (send_cap and ex.sent >= send_cap):
                break
            if pause:
                ex.responses, _ = parse_responses(ex.buf, False)
                if ex.responses and until == "response":
                    break
                _wait_readable(sock, ex, pause, cap)
        if half_close and not ex.closed:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while not ex.closed:
            ex.responses, _ = parse_responses(ex.buf, False)
            if until == "response" and ex.responses:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                ex.timed_out = True
                break
            r, _, _ = select.select([sock], [], [], left)
            if r:
                _read_into(sock, ex, cap)
        ex.responses, _ = parse_responses(ex.buf, ex.closed)
    finally:
        ex.elapsed = time.monotonic() - start
        if own:
            try:
                sock.close()
            except OSError:
                pass
    return ex


def _wait_readable(sock, ex, seconds, cap):
    end = time.monotonic() + seconds
    while not ex.closed:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([sock], [], [], left)
        if r:
            _read_into(sock, ex, cap)


def request_bytes(method, path, body=b"", headers=None, chunked=False):
    """A well-formed HTTP/1.1 request (path as given, not encoded)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1".encode("latin-1") if isinstance(path, str)
            else method.encode() + b" " + path + b" HTTP/1.1", b"Host: 127.0.0.1"]
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    for name, value in hdrs.items():
        head.append(f"{name}: {value}".encode("latin-1"))
    if chunked:
        head.append(b"Transfer-Encoding: chunked")
    elif "Content-Length" not in hdrs and (method in ("POST", "PUT") or body):
        head.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + (b"" if chunked else body)


def chunk(data):
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


# -- assertions ----------------------------------------------------------------------------
def expect_aws_error(resp, statuses=range(400, 500), types=None):
    """A 4xx with x-amzn-ErrorType and a JSON body holding a message."""
    if resp is None:
        raise Failure("no response")
    if resp.status not in statuses:
        raise Failure(f"answered {resp!r}")
    kind = resp.header("x-amzn-errortype")
    if not kind:
        raise Failure(f"{resp.status} without x-amzn-ErrorType")
    if types and kind.split(":")[0] not in types:
        raise Failure(f"{resp.status} {kind}, expected one of {', '.join(types)}")
    body = resp.json()
    if not isinstance(body, dict) or not isinstance(body.get("message", body.get("Message")), str):
        raise Failure(f"{resp.status} {kind} without a JSON message: {resp.body[:100]!r}")
    return kind


def expect_4xx_or_closed(ex, aws_shape=False, must_close=False):
    """The first answer is a 4xx (AWS-shaped if asked), or there is none and it was closed."""
    if ex.first is None:
        if ex.closed:
            return
        raise Failure(f"no answer and not closed ({ex.describe()})")
    if aws_shape:
        expect_aws_error(ex.first)
    elif not 400 <= ex.first.status < 500:
        raise Failure(f"answered {ex.first!r}")
    if must_close and not ex.closed:
        raise Failure(f"{ex.first.status} but the connection stayed open ({ex.describe()})")
    if must_close and len(ex.responses) > 1:
        raise Failure(f"{len(ex.responses)} responses: the rest of the bytes was parsed as requests")


# -- AWS event stream ----------------------------------------------------------------------
def es_message(headers, payload):
    """One application/vnd.amazon.eventstream message with string headers."""
    hb = b""
    for name, value in headers.items():
        n, v = name.encode(), value.encode()
        hb += bytes([len(n)]) + n + b"\x07" + struct.pack(">H", len(v)) + v
    total = 16 + len(hb) + len(payload)
    prelude = struct.pack(">II", total, len(hb))
    msg = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


def es_decode(buf):
    """The string headers of every whole message in buf."""
    out, pos = [], 0
    while len(buf) - pos >= 16:
        total, hlen = struct.unpack(">II", buf[pos:pos + 8])
        if total < 16 or len(buf) - pos < total:
            break
        hb, headers, i = buf[pos + 12:pos + 12 + hlen], {}, 0
        while i < len(hb):
            nlen = hb[i]
            name = hb[i + 1:i + 1 + nlen].decode("latin-1")
            kind = hb[i + 1 + nlen]
            i += 2 + nlen
            if kind == 7:
                vlen = struct.unpack(">H", hb[i:i + 2])[0]
                headers[name] = hb[i + 2:i + 2 + vlen].decode("latin-1")
                i += 2 + vlen
            else:
                break
        out.append(headers)
        pos += total
    return out
