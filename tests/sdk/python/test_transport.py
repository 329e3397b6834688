"""HTTP/1.1 on raw sockets: how requests arrive (pipelined, in pieces, large, chunked, with
Expect) and how paced streams are sent, whichever of the server's paths serves them (the event
loops take complete requests up to 32 KiB; a connection thread takes the rest); and hostile
input: malformed framing, the limits, incomplete requests, connection and thread bounds,
stopping."""
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness
from harness import user

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
M = "/model/" + urllib.parse.quote(MODEL, safe="")
BODY = json.dumps({"messages": [user("Hello there")]}).encode()


def request_bytes(path, body, extra_headers=()):
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *extra_headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class RawResponses:
    """Reads HTTP/1.1 responses (Content-Length or chunked) off one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buffer += data

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read(self):
        status = int(self._line().split()[1])
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if status == 100:
            return status, headers, b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    self._line()
                    return status, headers, body
                body += self._take(size)
                self._take(2)
        return status, headers, self._take(int(headers.get("content-length", "0")))


def event_types(body):
    types, pos = [], 0
    while pos < len(body):
        total, header_length = struct.unpack(">II", body[pos:pos + 8])
        headers = body[pos + 12:pos + 12 + header_length]
        i = 0
        while i < len(headers):
            name_length = headers[i]
            name = headers[i + 1:i + 1 + name_length].decode()
            value_length, = struct.unpack(">H", headers[i + 2 + name_length:i + 4 + name_length])
            value = headers[i + 4 + name_length:i + 4 + name_length + value_length].decode()
            if name == ":event-type":
                types.append(value)
            i += 4 + name_length + value_length
        pos += total
    return types


class TransportTest(harness.EmulatorTest):
    reset_each_test = True

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.emulator.port), timeout=10)
        self.addCleanup(sock.close)
        return sock, RawResponses(sock)

    def converse_text(self, body):
        return json.loads(body)["output"]["message"]["content"][0]["text"]

    def test_pipelined_requests_are_answered_in_order(self):
        sock, responses = self.connect()
        other = json.dumps({"messages": [user("A different question")]}).encode()
        sock.sendall(request_bytes(M + "/converse", BODY) + request_bytes(M + "/converse", other)
                     + request_bytes(M + "/converse", BODY))
        answers = [responses.read() for _ in range(3)]
        self.assertEqual([a[0] for a in answers], [200, 200, 200])
        texts = [self.converse_text(a[2]) for a in answers]
        self.assertIn("Hello there", texts[0])
        self.assertIn("A different question", texts[1])
        self.assertEqual(texts[0], texts[2])

    def test_a_request_arriving_in_pieces(self):
        sock, responses = self.connect()
        whole = request_bytes(M + "/converse", BODY)
        for piece in (whole[:7], whole[7:60], whole[60:-5], whole[-5:]):
            sock.sendall(piece)
            time.sleep(0.05)
        status, _, body = responses.read()
        self.assertEqual(status, 200)
        self.assertIn("Hello there", self.converse_text(body))

    def test_a_stalled_request_does_not_hold_up_other_connections(self):
        stalled, _ = self.connect()
        stalled.sendall(request_bytes(M + "/converse", BODY)[:40])
        for _ in range(4):  # more connections than event loops
            sock, responses = self.connect()
            sock.sendall(request_bytes(M + "/converse", BODY))
            self.assertEqual(responses.read()[0], 200)

    def test_large_request_body(self):
        sock, responses = self.connect()
        question = "word " * 40000  # 200 KB: more than an event loop buffers
        body = json.dumps({"messages": [user(question)], "inferenceConfig": {"maxTokens": 5}}).encode()
        for _ in range(2):  # and the connection stays usable
            sock.sendall(request_bytes(M + "/converse", body))
            status, _, answer = responses.read()
            self.assertEqual(status, 200, answer)
            self.assertGreater(json.loads(answer)["usage"]["inputTokens"], 30000)

    def test_expect_100_continue(self):
        sock, responses = self.connect()
        head = request_bytes(M + "/converse", BODY, ["Expect: 100-continue"])[:-len(BODY)]
        sock.sendall(head)
        status, _, _ = responses.read()
        self.assertEqual(status, 100)
        sock.sendall(BODY)
        status, _, body = responses.read()
        self.assertEqual(status, 200)
        self.assertIn("Hello there", self.converse_text(body))

    def test_chunked_request_body(self):
        sock, responses = self.connect()
        head = [f"POST {M}/converse HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                "Transfer-Encoding: chunked"]
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(BODY[i:i + 10]), BODY[i:i + 10])
                          for i in range(0, len(BODY), 10))
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + chunks + b"0\r\n\r\n")
        status, _, body = responses.read()
        self.assertEqual(status, 200, body)
        self.assertIn("Hello there", self.converse_text(body))

    def test_a_post_without_length_has_an_empty_body(self):
        sock, responses = self.connect()
        # No Content-Length and no Transfer-Encoding: the body is empty (RFC 9112 6.3), and the
        # request pipelined behind it is the next request, not part of the body.
        sock.sendall(f"POST {M}/converse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
                     + request_bytes(M + "/converse", BODY))
        status, headers, body = responses.read()
        self.assertEqual(status, 400, body)
        self.assertTrue(headers.get("x-amzn-errortype"))
        status, _, body = responses.read()
        self.assertEqual(status, 200)
        self.assertIn("Hello there", self.converse_text(body))

    def test_paced_stream_then_keep_alive(self):
        self.load_paced(between_ms=40)
        sock, responses = self.connect()
        started = time.monotonic()
        sock.sendall(request_bytes(M + "/converse-stream", BODY))
        status, _, body = responses.read()
        elapsed = time.monotonic() - started
        self.assertEqual(status, 200)
        types = event_types(body)
        self.assertEqual(types[0], "messageStart")
        self.assertEqual(types[-1], "metadata")
        self.assertGreaterEqual(elapsed, (len(types) - 1) * 0.04 * 0.9)
        # The next request on the same connection is served after the stream.
        sock.sendall(request_bytes(M + "/converse", BODY))
        self.assertEqual(responses.read()[0], 200)

    def test_journal_counts_events_as_they_are_sent(self):
        self.load_paced(between_ms=100)
        sock, responses = self.connect()
        sock.sendall(request_bytes(M + "/converse-stream", BODY))
        time.sleep(0.25)
        [entry] = self.journal()
        self.assertFalse(entry["streamComplete"])
        self.assertLess(entry["eventsSent"], 5)
        status, _, body = responses.read()
        self.assertEqual(status, 200)
        deadline = time.monotonic() + 3
        while not self.journal()[0]["streamComplete"] and time.monotonic() < deadline:
            time.sleep(0.02)
        [entry] = self.journal()
        self.assertTrue(entry["streamComplete"])
        self.assertEqual(entry["eventsSent"], len(event_types(body)))

    def test_client_leaving_a_paced_stream(self):
        self.load_paced(between_ms=50)
        sock, responses = self.connect()
        sock.sendall(request_bytes(M + "/converse-stream", BODY))
        time.sleep(0.12)
        sock.close()
        deadline = time.monotonic() + 5
        while not self.journal()[0]["streamComplete"] and time.monotonic() < deadline:
            time.sleep(0.05)
        [entry] = self.journal()
        self.assertTrue(entry["streamComplete"])
        self.assertLess(entry["eventsSent"], 8)
        status, _, _ = self.emulator.request("GET", "/_emulator/health")
        self.assertEqual(status, 200)

    def test_many_open_connections(self):
        socks = [self.connect() for _ in range(300)]
        for sock, _ in socks:
            sock.sendall(request_bytes(M + "/converse", BODY))
        self.assertEqual({responses.read()[0] for _, responses in socks}, {200})

    # -- helpers ---------------------------------------------------------------------------
    def load_paced(self, between_ms):
        scenario = {"name": "paced", "rules": [{
            "match": {"operation": "ConverseStream"},
            "response": {"text": "one two three four five six", "chunkSize": 4},
            "latency": {"betweenEventsMs": between_ms}}]}
        status, _, body = self.emulator.request("POST", "/_emulator/scenarios", scenario)
        self.assertEqual(status, 200, body)

    def journal(self):
        status, _, body = self.emulator.request("GET", "/_emulator/requests?operation=ConverseStream")
        self.assertEqual(status, 200)
        return json.loads(body)["requests"]


# -- hostile input ---------------------------------------------------------------------------
RSS_LIMIT_KB = 300 * 1024
ASYNC_BODY = json.dumps({
    "modelId": "amazon.nova-reel-v1:0",
    "modelInput": {"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a cat"},
                   "videoGenerationConfig": {"durationSeconds": 6, "fps": 24,
                                             "dimension": "1280x720", "seed": 0}},
    "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/videos"}}}).encode()


class EmulatorWith(harness.Emulator):
    """An emulator started with extra flags."""

    def __init__(self, *flags):
        super().__init__()
        self.flags = list(flags)

    def start(self, timeout=15.0):
        real_popen = subprocess.Popen
        harness.subprocess.Popen = lambda args, **kw: real_popen(args + self.flags, **kw)
        try:
            return super().start(timeout)
        finally:
            harness.subprocess.Popen = real_popen


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.split()[0] if value.split() else ""
    return fields


def read_until_closed(sock, limit=5.0):
    """Everything the server sends until it closes (b"" and True) or `limit` passes (False)."""
    sock.settimeout(limit)
    data = b""
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except ConnectionResetError:
        return data, True
    except socket.timeout:
        pass
    return data, False


def chunked_head(path):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


class HostileInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = harness.Emulator().start()
        cls.pid = cls.emulator.process.pid

    @classmethod
    def tearDownClass(cls):
        cls.emulator.stop()

    def setUp(self):
        self.emulator.request("POST", "/_emulator/reset")

    def tearDown(self):
        status = proc_status(self.pid)
        self.assertLess(int(status["VmHWM"]), RSS_LIMIT_KB, "peak RSS")

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.emulator.port), timeout=10)
        self.addCleanup(sock.close)
        return sock

    def assert_serving_others(self):
        started = time.monotonic()
        status, _, _ = self.emulator.request("GET", "/_emulator/health")
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - started, 1.0)

    def assert_refused(self, payload, status, error_type="ValidationException", then=b""):
        """`payload` is answered `status` once, then the connection closes at once."""
        sock = self.connect()
        sock.sendall(payload)
        if then:
            time.sleep(0.05)
            try:
                sock.sendall(then)
            except OSError:
                pass  # already closed
        data, closed = read_until_closed(sock)
        self.assertTrue(closed, data)
        self.assertTrue(data.startswith(b"HTTP/1.1 %d " % status), data)
        self.assertEqual(data.count(b"HTTP/1.1 "), 1, data)  # nothing after it was served
        self.assertIn(b"x-amzn-ErrorType: " + error_type.encode(), data)
        self.assert_serving_others()
        return data

    def async_invocations(self):
        status, _, body = self.emulator.request("GET", "/async-invoke")
        self.assertEqual(status, 200, body)
        return json.loads(body).get("asyncInvokeSummaries", [])

    def test_malformed_framing_is_refused_and_closed(self):
        health = b"GET /_emulator/health HTTP/1.1\r\nHost: a\r\n\r\n"
        cases = {
            "bad request line": b"NOT A REQUEST LINE\r\n\r\n",
            "binary": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
            "bare LF": b"GET /_emulator/health HTTP/1.1\nHost: a\n\n",
            "negative length": request_bytes(M + "/converse", b"")
            .replace(b"Content-Length: 0", b"Content-Length: -1"),
            "20-digit length": request_bytes(M + "/converse", b"")
            .replace(b"Content-Length: 0", b"Content-Length: 12345678901234567890"),
            "conflicting lengths": request_bytes(M + "/converse", BODY, ["Content-Length: 3"]),
            "length and chunked": request_bytes(M + "/converse", BODY,
                                                ["Transfer-Encoding: chunked"]),
        }
        for name, payload in cases.items():
            with self.subTest(name):
                self.assert_refused(payload + health, 400)

    def test_bad_chunk_sizes_run_nothing(self):
        for size in (b"zz", b"ffffffffffffffff", b"-1", b"5\n"):
            with self.subTest(size=size):
                payload = chunked_head("/async-invoke") + size + b"\r\n" + ASYNC_BODY + b"\r\n0\r\n\r\n"
                self.assert_refused(payload + request_bytes("/async-invoke", ASYNC_BODY), 400)
        self.assertEqual(self.async_invocations(), [])

    def test_limits_refuse_the_head_early(self):
        line = lambda target: f"GET {target} HTTP/1.1\r\nHost: a\r\n".encode()
        self.assert_refused(line("/" + "a" * 17000) + b"\r\n", 414)
        many = line("/_emulator/health") + b"".join(b"X-H%d: v\r\n" % i for i in range(101))
        self.assert_refused(many + b"\r\n", 431)
        self.assert_refused(line("/_emulator/health") + b"X-Long: " + b"v" * 9000 + b"\r\n\r\n", 431)
        big = line("/_emulator/health") + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 4000) for i in range(20))
        self.assert_refused(big + b"\r\n", 431)
        # A declared body over 25,000,000 bytes is refused before any of it is sent.
        data = self.assert_refused(request_bytes(M + "/converse", b"")
                                   .replace(b"Content-Length: 0", b"Content-Length: 25000001"), 400)
        self.assertIn(b"Member must have length less than or equal to 25000000", data)

    def test_a_large_head_within_the_limits_is_served(self):
        # 52 KiB of headers: more than an event loop buffers, within the limits.
        sock = self.connect()
        headers = [f"X-Big-{i}: {'v' * 4000}" for i in range(13)]
        sock.sendall(request_bytes(M + "/converse", BODY, headers))
        status, _, body = RawResponses(sock).read()
        self.assertEqual(status, 200, body)
        sock.sendall(request_bytes(M + "/converse", BODY))  # and the connection goes on
        self.assertEqual(RawResponses(sock).read()[0], 200)

    def test_a_flood_of_small_headers_is_cut_off(self):
        sock = self.connect()
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\n")
        piece = b"X-A: b\r\n" * 8192  # 72 KiB
        sent = 0
        try:
            while sent < 250 * 1024 * 1024:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
        self.assertLess(sent, 32 * 1024 * 1024, "the server kept reading headers")
        self.assert_serving_others()

    def test_an_endless_header_line_is_cut_off(self):
        sock = self.connect()
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nX-Endless: ")
        piece = b"v" * 65536
        sent = 0
        try:
            while sent < 300 * 1024 * 1024:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
        self.assertLess(sent, 32 * 1024 * 1024, "the server kept reading the line")
        self.assert_serving_others()

    def test_a_large_chunked_body_is_cut_off_at_the_limit(self):
        sock = self.connect()
        sock.sendall(chunked_head(M + "/converse"))
        piece = chunk(b"a" * 65536)
        sent = 0
        try:
            while sent < 60 * 1024 * 1024:
                sock.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
        data, closed = read_until_closed(sock)
        self.assertTrue(closed)
        self.assertLess(sent, 40 * 1024 * 1024)
        if data:  # the answer may be lost to the reset of a connection still sending
            self.assertTrue(data.startswith(b"HTTP/1.1 400 "), data[:200])
        self.assert_serving_others()

    def test_an_incomplete_chunked_start_async_invoke_creates_nothing(self):
        for how in ("reset", "close"):
            with self.subTest(how):
                sock = socket.create_connection(("127.0.0.1", self.emulator.port), timeout=10)
                sock.sendall(chunked_head("/async-invoke") + chunk(ASYNC_BODY[:40]) + chunk(ASYNC_BODY[40:]))
                time.sleep(0.2)  # the whole body, but never the last chunk
                if how == "reset":
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
        # And a Content-Length body that ends early.
        sock = socket.create_connection(("127.0.0.1", self.emulator.port), timeout=10)
        whole = request_bytes("/async-invoke", ASYNC_BODY + b" " * 100)
        sock.sendall(whole[:-50])
        time.sleep(0.2)
        sock.close()
        time.sleep(0.5)
        self.assertEqual(self.async_invocations(), [])
        # The same requests whole do create an invocation (the test can fail).
        sock = self.connect()
        sock.sendall(chunked_head("/async-invoke") + chunk(ASYNC_BODY) + b"0\r\n\r\n")
        status, _, body = RawResponses(sock).read()
        self.assertEqual(status, 200, body)
        self.assertEqual(len(self.async_invocations()), 1)

    def test_partial_http2_prefaces_cost_no_threads(self):
        threads_before = int(proc_status(self.pid)["Threads"])
        for _ in range(15):
            socks = [socket.create_connection(("127.0.0.1", self.emulator.port)) for _ in range(100)]
            for sock in socks:
                sock.sendall(b"P")
                sock.close()
        self.assert_serving_others()
        # Partial prefaces kept open wait on the loops, not on threads.
        held = [self.connect() for _ in range(200)]
        for sock in held:
            sock.sendall(b"PRI * HTTP/2")
        time.sleep(0.3)
        self.assertLess(int(proc_status(self.pid)["Threads"]), threads_before + 8)
        self.assert_serving_others()
        # A preface that arrives in pieces is HTTP/2 all the same: the server's SETTINGS come back.
        sock = self.connect()
        preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        for piece in (preface[:1], preface[1:10], preface[10:] + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"):
            sock.sendall(piece)
            time.sleep(0.05)
        frame = b""
        while len(frame) < 9:
            frame += sock.recv(9 - len(frame))
        self.assertEqual(frame[3], 0x4)  # SETTINGS
        # And "P" that turns into an HTTP/1.1 method is served.
        sock = self.connect()
        sock.sendall(b"P")
        time.sleep(0.05)
        sock.sendall(request_bytes(M + "/converse", BODY)[1:])
        self.assertEqual(RawResponses(sock).read()[0], 200)


class BoundsTest(unittest.TestCase):
    def test_connections_over_the_cap_are_closed_at_once(self):
        emulator = EmulatorWith("--max-connections", "20").start()
        self.addCleanup(emulator.stop)
        held = [socket.create_connection(("127.0.0.1", emulator.port)) for _ in range(20)]
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", emulator.port), timeout=5)
        data, closed = read_until_closed(extra, 2.0)
        self.assertTrue(closed)
        self.assertEqual(data, b"")
        extra.close()
        for sock in held:
            sock.close()
        time.sleep(0.2)
        status, _, _ = emulator.request("GET", "/_emulator/health")
        self.assertEqual(status, 200)

    def test_unfinished_uploads_hold_no_thread(self):
        # More unfinished chunked bodies than the 256 connection threads of old could hold: the
        # event loops hold them all, and another request is served meanwhile.
        emulator = EmulatorWith().start()
        self.addCleanup(emulator.stop)
        threads = lambda: int(proc_status(emulator.process.pid)["Threads"])
        baseline = threads()
        uploads = []
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
            sock.sendall(chunked_head(M + "/converse") + chunk(b"{"))
            uploads.append(sock)
        self.addCleanup(lambda: [s.close() for s in uploads])
        time.sleep(0.5)
        self.assertLessEqual(threads(), baseline + 2)
        sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(chunked_head(M + "/converse") + chunk(BODY) + b"0\r\n\r\n")
        data = sock.recv(65536)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        status, _, _ = emulator.request("GET", "/_emulator/health")
        self.assertEqual(status, 200)
        self.assertIsNone(emulator.process.poll())


class StopTest(unittest.TestCase):
    def test_sigterm_with_a_trickling_client_exits_within_the_grace_period(self):
        emulator = EmulatorWith("--shutdown-grace", "1").start()
        self.addCleanup(emulator.stop)
        sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(chunked_head(M + "/converse"))
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                try:
                    sock.sendall(chunk(b" "))
                except OSError:
                    return
                time.sleep(0.1)

        trickler = threading.Thread(target=trickle)
        trickler.start()
        self.addCleanup(trickler.join)
        self.addCleanup(stop.set)
        time.sleep(0.3)
        started = time.monotonic()
        emulator.process.send_signal(signal.SIGTERM)
        code = emulator.process.wait(timeout=10)
        elapsed = time.monotonic() - started
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 2.0)  # grace + 1 s
        self.assertGreater(elapsed, 0.8)  # the open request had its grace period

    def test_sigterm_lets_a_paced_stream_finish(self):
        emulator = EmulatorWith("--shutdown-grace", "3").start()
        self.addCleanup(emulator.stop)
        scenario = {"name": "paced", "rules": [{
            "match": {"operation": "ConverseStream"},
            "response": {"text": "one two three four five six", "chunkSize": 4},
            "latency": {"betweenEventsMs": 100}}]}
        status, _, body = emulator.request("POST", "/_emulator/scenarios", scenario)
        self.assertEqual(status, 200, body)
        sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=10)
        self.addCleanup(sock.close)
        sock.sendall(request_bytes(M + "/converse-stream", BODY))
        time.sleep(0.15)
        started = time.monotonic()
        emulator.process.send_signal(signal.SIGTERM)
        status, _, body = RawResponses(sock).read()
        self.assertEqual(status, 200)
        self.assertEqual(event_types(body)[-1], "metadata")  # the stream finished whole
        self.assertEqual(emulator.process.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 4.0)


if __name__ == "__main__":
    unittest.main()
