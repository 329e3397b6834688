"""Long paced event streams are produced as they fall due: three 1 MB ConverseStream answers in
1-character deltas, read slowly, keep the server's peak memory small, and another client is
served at once meanwhile."""
import http.client
import json
import os
import socket
import time
import unittest
import urllib.parse

import harness
from harness import user

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PATH = "/model/" + urllib.parse.quote(MODEL, safe="") + "/converse-stream"
BODY = json.dumps({"messages": [user("Tell me everything")]}).encode()
TEXT = ("lorem ipsum dolor sit amet " * 40000)[:1024 * 1024]
PEAK_LIMIT_KB = 300 * 1024


def request_bytes():
    head = [f"POST {PATH} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
            f"Content-Length: {len(BODY)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + BODY


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


# ASan keeps freed memory in quarantine: peak RSS says nothing about the server's own bounds.
@unittest.skipIf(os.environ.get("BEDROCK_EMULATOR_SANITIZER"), "peak RSS under a sanitizer")
class StreamMemoryTest(harness.EmulatorTest):
    reset_each_test = True

    def load(self, latency):
        rule = {"match": {"operation": "ConverseStream"},
                "response": {"text": TEXT, "chunkSize": 1}}
        if latency:
            rule["latency"] = latency
        status, _, body = self.emulator.request(
            "POST", "/_emulator/scenarios", {"name": "long", "rules": [rule]})
        self.assertEqual(status, 200, body)

    def open_streams(self, count):
        socks = []
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            sock.settimeout(5)
            sock.connect(("127.0.0.1", self.emulator.port))
            self.addCleanup(sock.close)
            sock.sendall(request_bytes())
            socks.append(sock)
        return socks

    def assert_health_within_a_second(self):
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.emulator.port, timeout=1.0)
        try:
            conn.request("GET", "/_emulator/health")
            status = conn.getresponse().status
        finally:
            conn.close()
        self.assertEqual(status, 200)
        self.assertLess(time.monotonic() - started, 1.0)

    def read_slowly(self, socks, seconds):
        """4 KB per stream every 50 ms for `seconds`; returns the bytes each received."""
        received = [0] * len(socks)
        deadline = time.monotonic() + seconds
        next_health = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            for i, sock in enumerate(socks):
                data = sock.recv(4096)
                self.assertTrue(data, "the server closed a stream")
                received[i] += len(data)
            if time.monotonic() >= next_health:
                self.assert_health_within_a_second()
                next_health += 1.0
            time.sleep(0.05)
        return received

    def settled_journal(self):
        deadline = time.monotonic() + 5
        while True:
            _, _, body = self.emulator.request("GET", "/_emulator/requests?operation=ConverseStream")
            entries = json.loads(body)["requests"]
            if all(e["streamComplete"] for e in entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.05)

    def test_three_paced_megabyte_streams_read_slowly(self):
        self.load({"betweenEventsMs": 1})
        socks = self.open_streams(3)
        pid = self.emulator.process.pid
        received = self.read_slowly(socks, 1.0)
        rss_after_a_second = status_kb(pid, "VmRSS")
        received = [a + b for a, b in zip(received, self.read_slowly(socks, 2.0))]
        self.assertTrue(all(r > 0 for r in received))
        # Nothing piles up while the clients lag: memory stays flat, not just under the cap.
        self.assertLess(status_kb(pid, "VmRSS") - rss_after_a_second, 16 * 1024)
        self.assertLess(status_kb(pid, "VmHWM"), PEAK_LIMIT_KB)
        for sock in socks:
            sock.close()
        entries = self.settled_journal()
        self.assertEqual(len(entries), 3)
        for entry in entries:
            self.assertTrue(entry["streamComplete"])  # the client left: production stopped
            self.assertGreater(entry["eventsSent"], 0)
            self.assertLess(entry["eventsSent"], 1024 * 1024)
        self.assert_health_within_a_second()

    def test_fast_readers_of_unpaced_streams_leave_the_loop_to_others(self):
        self.load(None)
        socks = self.open_streams(3)
        for sock in socks:
            sock.setblocking(False)
        received = [0] * len(socks)
        deadline = time.monotonic() + 3.0
        next_health = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            for i, sock in enumerate(socks):
                try:
                    received[i] += len(sock.recv(1 << 20))
                except BlockingIOError:
                    pass
            if time.monotonic() >= next_health:
                self.assert_health_within_a_second()
                next_health += 0.5
        self.assertTrue(all(r > 1024 * 1024 for r in received), received)
        self.assertLess(status_kb(self.emulator.process.pid, "VmHWM"), PEAK_LIMIT_KB)

    def test_unpaced_megabyte_streams_a_client_does_not_read(self):
        self.load(None)
        socks = self.open_streams(3)
        time.sleep(1.0)  # the server makes what the socket buffers take, then stops
        self.assert_health_within_a_second()
        pid = self.emulator.process.pid
        rss_before = status_kb(pid, "VmRSS")
        time.sleep(1.0)
        self.assertLess(status_kb(pid, "VmRSS") - rss_before, 16 * 1024)  # no longer growing
        self.assertLess(status_kb(pid, "VmHWM"), PEAK_LIMIT_KB)
        for sock in socks:
            self.assertTrue(sock.recv(4096))
            sock.close()
        entries = self.settled_journal()
        self.assertTrue(all(e["eventsSent"] < 1024 * 1024 for e in entries))


if __name__ == "__main__":
    unittest.main()
