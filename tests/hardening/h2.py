"""HTTP/2 (h2c, prior knowledge) written frame by frame with struct, so that cases can send
what no client library would: oversized header blocks, floods, bodies past any limit.

Header blocks are encoded as HPACK literals without indexing (no Huffman, no table). Of the
server's header blocks only :status is decoded (nghttp2 sends it first: an indexed static entry,
or a literal whose value may be Huffman-coded digits).
"""
import select
import socket
import struct
import time

from wire import HOST

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE = 4, 5
STATIC_STATUS = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}
# RFC 7541 Appendix B codes of the digits (what a Huffman-coded :status holds).
HUFFMAN_DIGITS = {(0x0, 5): "0", (0x1, 5): "1", (0x2, 5): "2", (0x19, 6): "3", (0x1a, 6): "4",
                  (0x1b, 6): "5", (0x1c, 6): "6", (0x1d, 6): "7", (0x1e, 6): "8", (0x1f, 6): "9"}


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out, value = bytearray([first | limit]), value - limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_block(headers):
    out = bytearray()
    for name, value in headers:
        n = name.encode() if isinstance(name, str) else name
        v = value.encode("latin-1") if isinstance(value, str) else value
        out += b"\x00" + hpack_int(len(n), 7) + n + hpack_int(len(v), 7) + v
    return bytes(out)


def request_headers(method, path, extra=()):
    return [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path),
            ("content-type", "application/json"), *extra]


def _decode_int(buf, pos, prefix_bits):
    limit = (1 << prefix_bits) - 1
    value = buf[pos] & limit
    pos += 1
    if value < limit:
        return value, pos
    shift = 0
    while pos < len(buf):
        b = buf[pos]
        pos += 1
        value += (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return value, pos


def _huffman_digits(data):
    bits = "".join(f"{b:08b}" for b in data)
    out, i = "", 0
    while i < len(bits):
        for width in (5, 6):
            code = bits[i:i + width]
            if len(code) == width and (int(code, 2), width) in HUFFMAN_DIGITS:
                out += HUFFMAN_DIGITS[(int(code, 2), width)]
                i += width
                break
        else:
            break  # padding (all ones) or not a digit
    return out


def decode_status(block):
    """:status of a response header block, or None if it is not the first field."""
    if not block:
        return None
    b = block[0]
    if b & 0x80:
        index, _ = _decode_int(block, 0, 7)
        return STATIC_STATUS.get(index)
    prefix = 6 if b & 0x40 else 4
    index, pos = _decode_int(block, 0, prefix)
    if index not in STATIC_STATUS or pos >= len(block):
        return None
    huffman = block[pos] & 0x80
    length, pos = _decode_int(block, pos, 7)
    raw = block[pos:pos + length]
    text = _huffman_digits(raw) if huffman else raw.decode("latin-1")
    return int(text) if text.isdigit() else None


class Stream:
    def __init__(self):
        self.status = None
        self.data = 0
        self.ended = False
        self.rst = None
        self.headers_seen = False
        self.send_window = 65535


class H2:
    """One h2c connection. read() processes whatever the server sends: SETTINGS/PING are
    acknowledged, WINDOW_UPDATE kept, per-stream status/data/RST recorded, GOAWAY kept."""

    def __init__(self, port, timeout=5.0, settings=((SETTINGS_INITIAL_WINDOW_SIZE, 1 << 30),)):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.streams = {}
        self.goaway = None  # (last stream id, error code)
        self.closed = False
        self.conn_window = 65535
        self.peer_initial_window = 65535
        self.peer_settings_seen = False
        self._buf = b""
        self._header_stream = None
        self._header_block = b""
        payload = b"".join(struct.pack(">HI", k, v) for k, v in settings)
        self.send(PREFACE + frame(SETTINGS, 0, 0, payload) +
                  frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", (1 << 30))))

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.closed = True
            return False

    def stream(self, sid):
        if sid not in self.streams:
            s = Stream()
            s.send_window = self.peer_initial_window
            self.streams[sid] = s
        return self.streams[sid]

    def headers(self, sid, headers, end_stream=False, max_frame=16384, raw_block=None):
        """HEADERS (+ CONTINUATION frames when the block is larger than max_frame)."""
        block = raw_block if raw_block is not None else hpack_block(headers)
        self.stream(sid)
        pieces = [block[i:i + max_frame] for i in range(0, len(block), max_frame)] or [b""]
        out = bytearray()
        for i, piece in enumerate(pieces):
            flags = (END_STREAM if end_stream and i == 0 else 0) | (END_HEADERS if i == len(pieces) - 1 else 0)
            out += frame(HEADERS if i == 0 else CONTINUATION, flags, sid, piece)
            if len(out) > 1 << 20:
                if not self.send(bytes(out)):
                    return False
                out.clear()
        return self.send(bytes(out))

    def data(self, sid, payload, end_stream=False):
        return self.send(frame(DATA, END_STREAM if end_stream else 0, sid, payload))

    def request(self, sid, method, path, body=b"", extra=()):
        ok = self.headers(sid, request_headers(method, path, extra), end_stream=not body)
        if ok and body:
            ok = self.send_body(sid, body)
        return ok

    def send_body(self, sid, body, end_stream=True, stall_s=2.0):
        """DATA frames within the peer's flow-control windows; False if the windows stayed
        shut for stall_s or the connection went away."""
        s = self.stream(sid)
        view = memoryview(body)
        while view:
            allowed = min(self.conn_window, s.send_window, 16384, len(view))
            if allowed <= 0:
                deadline = time.monotonic() + stall_s
                while min(self.conn_window, s.send_window) <= 0 and time.monotonic() < deadline:
                    if not self.read(0.2) or s.rst is not None:
                        return False
                if min(self.conn_window, s.send_window) <= 0:
                    return False
                continue
            last = allowed == len(view)
            if not self.data(sid, bytes(view[:allowed]), end_stream and last):
                return False
            self.conn_window -= allowed
            s.send_window -= allowed
            view = view[allowed:]
            self.read(0)
            if s.rst is not None or self.goaway is not None:
                return False
        return True

    def read(self, timeout):
        """Processes frames for up to `timeout` s (0: what is there). False once closed."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            left = max(0.0, deadline - time.monotonic())
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return True
            try:
                data = self.sock.recv(1 << 20)
            except (ConnectionResetError, socket.timeout, OSError):
                data = b""
            if not data:
                self.closed = True
                return False
            self._buf += data
            self._process()
            if timeout == 0:
                continue
        return not self.closed

    def read_until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while not predicate() and not self.closed and time.monotonic() < deadline:
            self.read(min(0.1, max(0.0, deadline - time.monotonic())))
        return predicate()

    def _process(self):
        while len(self._buf) >= 9:
            length = int.from_bytes(self._buf[:3], "big")
            if len(self._buf) < 9 + length:
                return
            kind, flags = self._buf[3], self._buf[4]
            sid = struct.unpack(">I", self._buf[5:9])[0] & 0x7FFFFFFF
            payload = self._buf[9:9 + length]
            self._buf = self._buf[9 + length:]
            if kind == SETTINGS and not flags & ACK:
                for i in range(0, len(payload) - 5, 6):
                    key, value = struct.unpack(">HI", payload[i:i + 6])
                    if key == SETTINGS_INITIAL_WINDOW_SIZE:
                        delta = value - self.peer_initial_window
                        self.peer_initial_window = value
                        for s in self.streams.values():
                            s.send_window += delta
                self.peer_settings_seen = True
                self.send(frame(SETTINGS, ACK, 0))
            elif kind == PING and not flags & ACK:
                self.send(frame(PING, ACK, 0, payload))
            elif kind == WINDOW_UPDATE:
                inc = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
                if sid == 0:
                    self.conn_window += inc
                else:
                    self.stream(sid).send_window += inc
            elif kind == GOAWAY:
                self.goaway = struct.unpack(">II", payload[:8])
                self.goaway = (self.goaway[0] & 0x7FFFFFFF, self.goaway[1])
            elif kind == RST_STREAM:
                self.stream(sid).rst = struct.unpack(">I", payload[:4])[0]
            elif kind in (HEADERS, CONTINUATION):
                if kind == HEADERS:
                    pad = payload[0] if flags & 0x8 else 0
                    body = payload[1:] if flags & 0x8 else payload
                    if flags & 0x20:
                        body = body[5:]
                    body = body[:len(body) - pad] if pad else body
                    self._header_stream, self._header_block = sid, body
                    if flags & END_STREAM:
                        self.stream(sid).ended = True
                else:
                    self._header_block += payload
                if flags & END_HEADERS:
                    s = self.stream(self._header_stream)
                    if not s.headers_seen:
                        s.status = decode_status(self._header_block)
                        s.headers_seen = True
            elif kind == DATA:
                s = self.stream(sid)
                s.data += length
                if flags & END_STREAM:
                    s.ended = True
                if length:  # keep the windows open: the suite reads everything it is sent
                    self.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", length)) +
                              frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", length)))

    def close(self, reset=False):
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass

    def outcome(self, sid):
        """Words for what happened to one stream and the connection."""
        s = self.streams.get(sid)
        bits = []
        if s:
            if s.status is not None:
                bits.append(f":status {s.status}")
            elif s.headers_seen:
                bits.append("response headers")
            if s.rst is not None:
                bits.append(f"RST_STREAM {s.rst}")
        if self.goaway:
            bits.append(f"GOAWAY last={self.goaway[0]} code={self.goaway[1]}")
        if self.closed:
            bits.append("TCP closed")
        return ", ".join(bits) or "nothing"

    def refused(self, sid):
        """4xx status, RST_STREAM or GOAWAY for the stream: a refusal as RFC 9113 allows."""
        s = self.streams.get(sid)
        if s and s.status is not None and 400 <= s.status < 500:
            return True
        if s and s.rst is not None:
            return True
        return self.goaway is not None
