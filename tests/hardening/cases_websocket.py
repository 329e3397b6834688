"""InvokeModelWithBidirectionalStream over WebSocket (RFC 6455), from raw sockets: handshakes and
presigned queries that are refused before the upgrade, frames that break the protocol or the
limits (closed with 1002 / 1009), fragmentation and pings in a working session, and clients
that hold sessions open without reading."""
import base64
import json
import os
import socket
import struct
import time
import zlib
from datetime import datetime, timedelta, timezone

import h2
from payloads import SONIC
from registry import case
from wire import Failure, connect, es_decode, es_message, reset_close

WS_PATH = f"/model/{SONIC.replace(':', '%3A')}/invoke-with-bidirectional-stream-websocket"
MB = 1 << 20


def presign(signed_at=None, expires=60):
    """The query @aws-sdk/middleware-websocket sends (the signature is not verified)."""
    when = signed_at or datetime.now(timezone.utc)
    date = when.strftime("%Y%m%dT%H%M%SZ")
    return ("X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential=AKIDEXAMPLE%2F{date[:8]}%2Fus-east-1%2Fbedrock%2Faws4_request"
            f"&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={'ab' * 32}")


def upgrade_bytes(query=None, headers=None, drop=()):
    fields = {"Host": "127.0.0.1", "Upgrade": "websocket", "Connection": "Upgrade",
              "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
              "Sec-WebSocket-Version": "13", **(headers or {})}
    target = WS_PATH + "?" + (presign() if query is None else query)
    lines = [f"GET {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in fields.items() if k not in drop]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_head(sock, timeout=3.0):
    """The HTTP answer's status, fields and what follows the head (body or frames)."""
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise Failure(f"closed before an answer: {buf[:200]!r}")
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, fields, rest


def read_refusal(sock):
    """A refused upgrade: the status, x-amzn-ErrorType, JSON message; the connection closes."""
    status, fields, rest = read_head(sock)
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            break
        rest += data
    body = json.loads(rest[:length] or b"{}")
    return status, fields, body


def client_frame(opcode, payload, fin=True, masked=True):
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head = struct.pack(">BB", first, mask_bit | n)
    elif n <= 0xFFFF:
        head = struct.pack(">BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack(">BBQ", first, mask_bit | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Frames:
    """Server frames read from a socket: (opcode, payload); server frames are never masked."""

    def __init__(self, sock, initial=b""):
        self.sock, self.buf, self.closed = sock, initial, False

    def _fill(self, deadline):
        self.sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except ConnectionError:
            data = b""
        if not data:
            self.closed = True
        self.buf += data

    def next(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.buf) >= 2:
                first, second = self.buf[0], self.buf[1]
                if second & 0x80:
                    raise Failure("a server frame was masked")
                n, at = second & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, at = struct.unpack(">H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
                if (second & 0x7F) < 126 or at > 2:
                    if len(self.buf) >= at + n:
                        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
                        return first & 0x0F, payload
            if self.closed:
                return None
            self._fill(deadline)
        raise Failure("no frame within the time")

    def until_close(self, timeout=10.0):
        """Every frame through the close frame: (data payloads, close code or None)."""
        messages, deadline = [], time.monotonic() + timeout
        while True:
            frame = self.next(max(0.1, deadline - time.monotonic()))
            if frame is None:
                return messages, None
            opcode, payload = frame
            if opcode == 0x8:
                return messages, struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
            if opcode == 0x2:
                messages.append(payload)


def open_ws(port, query=None):
    sock = connect(port)
    sock.sendall(upgrade_bytes(query))
    status, fields, rest = read_head(sock)
    if status != 101:
        raise Failure(f"upgrade answered {status}")
    return sock, Frames(sock, rest)


def sonic(event):
    payload = json.dumps({"bytes": base64.b64encode(json.dumps({"event": event}).encode()).decode()})
    return es_message({":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
                      payload.encode())


SESSION_START = {"sessionStart": {"inferenceConfiguration": {"maxTokens": 8, "topP": 0.9, "temperature": 0.7}}}


def text_turn(text="Hello there"):
    p = "p"
    return [
        {"promptStart": {"promptName": p, "textOutputConfiguration": {"mediaType": "text/plain"},
                         "audioOutputConfiguration": {"mediaType": "audio/lpcm", "sampleRateHertz": 24000,
                                                      "sampleSizeBits": 16, "channelCount": 1, "voiceId": "matthew",
                                                      "encoding": "base64", "audioType": "SPEECH"}}},
        {"contentStart": {"promptName": p, "contentName": "q", "type": "TEXT", "interactive": True, "role": "USER",
                          "textInputConfiguration": {"mediaType": "text/plain"}}},
        {"textInput": {"promptName": p, "contentName": "q", "content": text}},
        {"contentEnd": {"promptName": p, "contentName": "q"}},
        {"promptEnd": {"promptName": p}},
        {"sessionEnd": {}},
    ]


def event_names(messages):
    names = []
    for m in messages:
        headers = es_decode(m)
        if len(headers) != 1:
            raise Failure(f"a binary message held {len(headers)} event-stream messages")
        if headers[0].get(":message-type") != "event":
            names.append(headers[0].get(":exception-type") or headers[0].get(":message-type"))
            continue
        total, hlen = struct.unpack(">II", m[:8])
        body = json.loads(m[12 + hlen:total - 4])
        names.append(next(iter(json.loads(base64.b64decode(body["bytes"]))["event"])))
    return names


def expect_closed_after(sock, seconds=2.0):
    """The server ends the TCP connection after its close frame."""
    sock.settimeout(seconds)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            if not sock.recv(65536):
                return
    except ConnectionError:
        return
    except socket.timeout:
        pass
    raise Failure("the connection stayed open after the close frame")


# -- refused before the upgrade -------------------------------------------------------------------
@case("ws-missing-auth")
def _missing_auth(ctx):
    sock = connect(ctx.port)
    try:
        sock.sendall(upgrade_bytes(query=""))
        status, fields, body = read_refusal(sock)
        if status != 403 or not fields.get("x-amzn-errortype", "").startswith("MissingAuthenticationToken"):
            raise Failure(f"answered {status} {fields.get('x-amzn-errortype')}")
        if body.get("message") != "Missing Authentication Token":
            raise Failure(f"message {body!r}")
    finally:
        sock.close()


@case("ws-expired-presign")
def _expired(ctx):
    sock = connect(ctx.port)
    try:
        sock.sendall(upgrade_bytes(query=presign(datetime.now(timezone.utc) - timedelta(seconds=90))))
        status, fields, body = read_refusal(sock)
        if status != 403 or not fields.get("x-amzn-errortype", "").startswith("InvalidSignatureException"):
            raise Failure(f"answered {status} {fields.get('x-amzn-errortype')}")
        if not body.get("message", "").startswith("Signature expired: "):
            raise Failure(f"message {body!r}")
    finally:
        sock.close()


@case("ws-malformed-presign")
def _malformed(ctx):
    for query in (presign().replace("bedrock", "s3"), presign().replace("X-Amz-Signature", "X-Amz-Sig"),
                  presign().replace("X-Amz-Expires=60", "X-Amz-Expires=-5"), presign() + "%"):
        sock = connect(ctx.port)
        try:
            sock.sendall(upgrade_bytes(query=query))
            status, fields, _ = read_refusal(sock)
            if status != 403 or not fields.get("x-amzn-errortype", "").startswith("IncompleteSignature"):
                raise Failure(f"{query[-40:]}: answered {status} {fields.get('x-amzn-errortype')}")
        finally:
            sock.close()


@case("ws-bad-handshakes")
def _bad_handshakes(ctx):
    cases = {
        "no key": (dict(drop=("Sec-WebSocket-Key",)), 400),
        "short key": (dict(headers={"Sec-WebSocket-Key": "c2hvcnQ="}), 400),
        "version 8": (dict(headers={"Sec-WebSocket-Version": "8"}), 426),
        "no Upgrade": (dict(drop=("Upgrade",)), 400),
        "no Connection": (dict(drop=("Connection",)), 400),
    }
    for what, (kwargs, expected) in cases.items():
        sock = connect(ctx.port)
        try:
            sock.sendall(upgrade_bytes(**kwargs))
            status, fields, _ = read_refusal(sock)
            if status != expected or "x-amzn-errortype" not in fields:
                raise Failure(f"{what}: answered {status}")
            if expected == 426 and fields.get("sec-websocket-version") != "13":
                raise Failure("426 without Sec-WebSocket-Version: 13")
        finally:
            sock.close()


@case("ws-path-over-http2")
def _over_http2(ctx):
    """The WebSocket path asked over HTTP/2 (no upgrade is possible there) is refused with 400,
    as HTTP/1.1 refuses a GET without the upgrade; it never opens an empty session."""
    conn = h2.H2(ctx.port)
    try:
        conn.read_until(lambda: conn.peer_settings_seen, 2)
        conn.request(1, "GET", WS_PATH + "?" + presign())
        conn.read_until(lambda: conn.stream(1).ended or conn.stream(1).rst is not None, 3)
        status = conn.stream(1).status
        if status != 400:
            raise Failure(f"answered {status} over HTTP/2")
    finally:
        conn.close(reset=True)


# -- broken frames after the upgrade --------------------------------------------------------------
def expect_close_code(ctx, frames_bytes, code, what):
    sock, frames = open_ws(ctx.port)
    try:
        sock.sendall(frames_bytes)
        _, got = frames.until_close(timeout=5)
        if got != code:
            raise Failure(f"{what}: closed with {got}, expected {code}")
        expect_closed_after(sock)
    finally:
        sock.close()


@case("ws-unmasked-frame")
def _unmasked(ctx):
    expect_close_code(ctx, client_frame(0x2, sonic(SESSION_START), masked=False), 1002, "unmasked")


@case("ws-protocol-errors")
def _protocol_errors(ctx):
    expect_close_code(ctx, bytes([0xC2, 0x80]) + os.urandom(4), 1002, "reserved bit")
    expect_close_code(ctx, client_frame(0x3, b"x"), 1002, "unknown opcode")
    expect_close_code(ctx, client_frame(0x0, b"x"), 1002, "continuation first")
    expect_close_code(ctx, client_frame(0x9, b"p" * 126), 1002, "long ping")
    expect_close_code(ctx, client_frame(0x8, b"\x03"), 1002, "one-byte close payload")
    expect_close_code(ctx, client_frame(0x1, b"{}"), 1003, "text message")


@case("ws-oversized-frame")
def _oversized(ctx):
    # The header alone announces 1 GiB: refused before any of it is sent.
    expect_close_code(ctx, struct.pack(">BBQ", 0x82, 0xFF, 1 << 30) + os.urandom(4), 1009, "1 GiB header")
    # 3 MiB in 64 KiB fragments: refused once the message passes its cap.
    piece = client_frame(0x0, b"\0" * 65536, fin=False)
    sock, frames = open_ws(ctx.port)
    try:
        sock.sendall(client_frame(0x2, b"\0" * 65536, fin=False))
        try:
            for _ in range(48):
                sock.sendall(piece)
        except OSError:
            pass  # the server may have closed already
        _, got = frames.until_close(timeout=5)
        if got != 1009:
            raise Failure(f"3 MiB fragmented: closed with {got}")
    finally:
        sock.close()


@case("ws-garbage-in-a-message")
def _garbage_message(ctx):
    """Valid frames carrying bytes that are no event stream: an in-stream exception, then 1000."""
    sock, frames = open_ws(ctx.port)
    try:
        sock.sendall(client_frame(0x2, sonic(SESSION_START)) + client_frame(0x2, os.urandom(64)))
        messages, code = frames.until_close(timeout=5)
        names = event_names(messages)
        if not names or names[-1] != "validationException" or code != 1000:
            raise Failure(f"events {names}, close {code}")
    finally:
        sock.close()


# -- a working session, the hard way ----------------------------------------------------------------
@case("ws-fragments-and-pings")
def _fragments(ctx):
    """sessionStart in three fragments with a ping between them, the rest one byte per send."""
    sock, frames = open_ws(ctx.port)
    try:
        first = sonic(SESSION_START)
        a, b = len(first) // 3, 2 * len(first) // 3
        sock.sendall(client_frame(0x2, first[:a], fin=False) + client_frame(0x9, b"are you there")
                     + client_frame(0x0, first[a:b], fin=False) + client_frame(0x0, first[b:]))
        opcode, payload = frames.next()
        if (opcode, payload) != (0xA, b"are you there"):
            raise Failure(f"ping answered with {opcode:#x} {payload[:20]!r}")
        rest = b"".join(client_frame(0x2, sonic(e)) for e in text_turn())
        for i in range(0, len(rest), 97):
            sock.sendall(rest[i:i + 97])
        messages, code = frames.until_close(timeout=10)
        names = event_names(messages)
        if code != 1000 or not names or names[0] != "completionStart" or names[-1] != "completionEnd":
            raise Failure(f"close {code}, events {names[:3]}...{names[-3:]}")
        if "audioOutput" not in names or "textOutput" not in names:
            raise Failure(f"events {sorted(set(names))}")
        # Our close echoed: the server ends the connection.
        sock.sendall(client_frame(0x8, struct.pack(">H", 1000)))
        expect_closed_after(sock)
    finally:
        sock.close()


@case("ws-many-sessions-never-read", fresh=True)
def _never_read(ctx):
    """64 sessions that send a question and never read: they cost only themselves."""
    socks = []
    try:
        for i in range(64):
            sock, _ = open_ws(ctx.port)
            turn = [SESSION_START] + text_turn(f"Question number {i}")
            turn[0] = {"sessionStart": {"inferenceConfiguration": {"maxTokens": 1024, "topP": 0.9,
                                                                   "temperature": 0.7}}}
            sock.sendall(b"".join(client_frame(0x2, sonic(e)) for e in turn[:-2]))
            socks.append(sock)
        time.sleep(3.0)  # the monitor probes health and Converse meanwhile
        ctx.note(f"{len(socks)} sessions open")
    finally:
        for sock in socks:
            reset_close(sock)


# -- scenario faults and errors on a WebSocket stream ------------------------------------------------
FAULT_SCENARIOS = {"ws-faults.json": {"name": "ws-faults", "rules": [
    {"match": {"operation": "InvokeModelWithBidirectionalStream", "headers": {"x-case": "reset"}},
     "fault": "reset", "afterEvents": 2},
    {"match": {"operation": "InvokeModelWithBidirectionalStream", "headers": {"x-case": "crc"}},
     "fault": "corruptMessageCrc", "afterEvents": 1},
    {"match": {"operation": "InvokeModelWithBidirectionalStream", "headers": {"x-case": "throttled"}},
     "error": {"type": "ThrottlingException", "message": "Too many requests, please wait."}},
]}}


def faulted_session(port, which):
    sock = connect(port)
    sock.sendall(upgrade_bytes(headers={"x-case": which}))
    status, _, rest = read_head(sock)
    if status != 101:
        raise Failure(f"{which}: upgrade answered {status}")
    frames = Frames(sock, rest)
    sock.sendall(b"".join(client_frame(0x2, sonic(e)) for e in [SESSION_START] + text_turn()))
    return sock, frames


@case("ws-scenario-faults", fresh=True, scenarios=FAULT_SCENARIOS)
def _ws_faults(ctx):
    # A scenario error before any event: the modelled exception in-stream, then 1000.
    sock, frames = faulted_session(ctx.port, "throttled")
    try:
        messages, code = frames.until_close()
        if event_names(messages) != ["throttlingException"] or code != 1000:
            raise Failure(f"throttled: {event_names(messages)}, close {code}")
    finally:
        sock.close()
    # reset: two events, then a TCP reset (no close frame).
    sock, frames = faulted_session(ctx.port, "reset")
    try:
        messages, code = frames.until_close()
        if len(messages) != 2 or code is not None:
            raise Failure(f"reset: {len(messages)} messages, close {code}")
    finally:
        sock.close()
    # A bad message CRC on the second event: it arrives damaged in its own message, then the end.
    sock, frames = faulted_session(ctx.port, "crc")
    try:
        messages, code = frames.until_close()
        if len(messages) != 2 or code != 1000:
            raise Failure(f"crc: {len(messages)} messages, close {code}")
        last = messages[-1]
        if struct.unpack(">I", last[-4:])[0] == zlib.crc32(last[:-4]):
            raise Failure("crc: the second message's CRC is right")
    finally:
        sock.close()


@case("ws-audio-flood", fresh=True)
def _audio_flood(ctx):
    """40 MB of audio input as fast as the socket takes it (8 s at most), output never read: the
    server's memory stays bounded (the connection reads no more while 1 MiB waits unread)."""
    sock, _ = open_ws(ctx.port)
    try:
        p = "p"
        opening = [SESSION_START, text_turn()[0],
                   {"contentStart": {"promptName": p, "contentName": "mic", "type": "AUDIO", "interactive": True,
                                     "role": "USER", "audioInputConfiguration": {
                                         "mediaType": "audio/lpcm", "sampleRateHertz": 16000, "sampleSizeBits": 16,
                                         "channelCount": 1, "audioType": "SPEECH", "encoding": "base64"}}}]
        sock.sendall(b"".join(client_frame(0x2, sonic(e)) for e in opening))
        pcm = base64.b64encode(bytes(600_000)).decode()  # 19 s of silence, under the 1,000,000-byte chunk
        frame = client_frame(0x2, sonic({"audioInput": {"promptName": p, "contentName": "mic", "content": pcm}}))
        sock.settimeout(5)
        sent, deadline = 0, time.monotonic() + 8
        while sent < 40 * MB and time.monotonic() < deadline:
            try:
                sock.sendall(frame)
            except (socket.timeout, OSError):
                break
            sent += len(frame)
        ctx.note(f"{sent / MB:.0f} MB sent")
    finally:
        reset_close(sock)
