"""Record mode and strict replay under large, many and abandoned requests.

Strict replay: a request no recording matches costs a near-miss search over every recorded
request; a 4 MB body and many misses at once must answer the documented ValidationException
quickly, and the list of misses stays bounded. Record mode: at most 64 requests are forwarded at
once (beyond: ServiceUnavailableException), clients that leave mid-stream free their upstream
call, and nothing half-received is recorded.

Run alone: python3 tests/hardening/cases_record_replay.py [--only REGEX] [-v]
"""
if __name__ == "__main__":
    import os as _os
    import sys as _sys
    _sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
    import cases_record_replay  # noqa: F401
    import run_hardening
    _sys.exit(run_hardening.main())

import concurrent.futures
import glob
import json
import os
import socket
import time

import server as srv
from payloads import MODEL
from registry import case
from wire import Failure

PROBE_RULE = {"match": {"text": "probe"}, "response": {"text": "probe answer"}}


def recorded_rule(text, digest="sha256:" + "0" * 64):
    identity = {"operation": "Converse", "labels": {"modelId": MODEL}, "query": {},
                "body": {"messages": [{"role": "user", "content": [{"text": text}]}]}}
    return {"name": f"rec {text[:10]}", "match": {"operation": "Converse", "requestDigest": digest},
            "times": 1, "recorded": {"request": identity, "status": 200, "body": "{}"}}


# 200 recorded requests of 20 KB each: the near-miss search diffs every one.
RECORDING = {"name": "recorded", "rules": [PROBE_RULE] + [
    recorded_rule(f"recorded request {i} " + "x" * 20000) for i in range(200)]}


def converse_body(text):
    return {"messages": [{"role": "user", "content": [{"text": text}]}]}


def expect_near_miss(server, text, timeout=10.0):
    started = time.monotonic()
    status, headers, body = server.http("POST", f"/model/{MODEL}/converse", converse_body(text),
                                        timeout=timeout)
    took = time.monotonic() - started
    kind = (headers.get("x-amzn-ErrorType") or "").split(":")[0]
    if status != 400 or kind != "ValidationException" or b"nearest recorded exchange" not in body:
        raise Failure(f"strict replay answered {status} {kind} {body[:200]!r}")
    return took


@case("replay-strict-4mb-unmatched-body", fresh=True, scenarios={"recorded.json": RECORDING},
      extra_args=["--replay-strict"])
def replay_strict_large_body(ctx):
    took = [expect_near_miss(ctx.server, "y" * (4 * 1024 * 1024)) for _ in range(3)]
    ctx.note(f"4 MB misses answered in {max(took):.2f} s at worst")
    if max(took) > 5.0:
        raise Failure(f"a 4 MB miss took {max(took):.1f} s")


@case("replay-strict-400-misses-at-once", fresh=True, scenarios={"recorded.json": RECORDING},
      extra_args=["--replay-strict"])
def replay_strict_many_misses(ctx):
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        took = list(pool.map(lambda i: expect_near_miss(ctx.server, f"miss {i}"), range(400)))
    status, _, body = ctx.server.http("GET", "/_emulator/requests/unmatched")
    unmatched = json.loads(body)["unmatched"]
    if status != 200 or len(unmatched) != 200:
        raise Failure(f"unmatched list: {status}, {len(unmatched)} entries (expected the last 200)")
    if len(body) > 1_000_000:
        raise Failure(f"the unmatched list is {len(body)} bytes")
    ctx.note(f"400 misses, slowest {max(took):.2f} s; list {len(body)} bytes")


class Recorder:
    """An upstream emulator with a slow stream, and a recorder in front of it."""

    def __init__(self):
        slow = {"name": "slow", "rules": [{"match": {"operation": "ConverseStream"},
                                           "latency": {"betweenEventsMs": 100},
                                           "response": {"text": "word " * 60, "chunkSize": 5}}]}
        self.upstream = srv.Server(scenarios={"slow.json": slow})
        self.records = os.path.join(self.upstream.tmp, "recorded")
        self.recorder = srv.Server(extra_args=["--record-to", self.records, "--upstream",
                                               f"http://127.0.0.1:{self.upstream.port}"])

    def threads(self):
        return srv.proc_status(self.recorder.pid).get("Threads", 0)

    def rules(self):
        rules = []
        for path in glob.glob(os.path.join(self.records, "*.json")):
            with open(path) as f:
                rules += json.load(f)["rules"]
        return rules

    def close(self):
        self.recorder.close()
        self.upstream.close()


def open_stream(port):
    """Starts a ConverseStream on a raw socket and reads its head; returns the socket."""
    body = json.dumps(converse_body("stream please")).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST /model/{MODEL}/converse-stream HTTP/1.1\r\nHost: x\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(4096)
        if not data:
            break
        head += data
    return sock, head


@case("record-mode-100-streams-at-once", fresh=True, probe=False, timeout=60)
def record_many_streams(ctx):
    pair = Recorder()
    try:
        baseline = pair.threads()
        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            opened = list(pool.map(lambda _: open_stream(pair.recorder.port), range(100)))
        statuses = [head.split(b" ", 2)[1] for _, head in opened if head]
        refused = statuses.count(b"503")
        took = pair.recorder.probe_health()
        peak = pair.threads()
        for sock, _ in opened:
            sock.close()
        if statuses.count(b"200") > 64 or refused < 36:
            raise Failure(f"{statuses.count(b'200')} streams forwarded, {refused} refused (at most 64 at once)")
        if took > 1.0:
            raise Failure(f"health took {took:.2f} s while 64 streams were forwarded")
        deadline = time.monotonic() + 15
        while pair.threads() > baseline + 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        if pair.threads() > baseline + 4:
            raise Failure(f"threads {baseline} -> {peak} -> {pair.threads()} after the clients left")
        if any(rule["match"]["operation"] == "ConverseStream" for rule in pair.rules()):
            raise Failure("a stream the client left was recorded")
        ctx.note(f"{refused} refused; threads {baseline} -> {peak} -> {pair.threads()}")
    finally:
        pair.close()


@case("record-mode-clients-leave-mid-stream", fresh=True, probe=False, timeout=60)
def record_clients_leave(ctx):
    pair = Recorder()
    try:
        for _ in range(20):
            sock, head = open_stream(pair.recorder.port)
            if b" 200 " not in head.split(b"\r\n", 1)[0] + b" ":
                raise Failure(f"stream head: {head[:100]!r}")
            sock.close()
        pair.recorder.probe_converse()
        rules = pair.rules()
        if [r["match"]["operation"] for r in rules] != ["Converse", "Converse"]:
            raise Failure(f"recorded {[r['match']['operation'] for r in rules]} "
                          "(expected only the two probes' Converse)")
        ctx.note(f"{len(rules)} rules recorded")
    finally:
        pair.close()
