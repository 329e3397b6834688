"""HTTP/1.1 on raw sockets: how requests arrive (pipelined, in pieces, large, chunked, with
Expect) and how paced streams are sent, whichever of the server's paths serves them (the event
loops take complete requests up to 32 KiB; a connection thread takes the rest)."""
import json
import socket
import struct
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


class TransportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = harness.Emulator().start()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.stop()

    def setUp(self):
        self.emulator.request("POST", "/_emulator/reset")

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


if __name__ == "__main__":
    unittest.main()
