"""The inspector's admin routes under abuse: the journal's live feed gives its slot back when a
client leaves in any way, a feed that is never read costs only its own connection, and one
entry's detail stays valid JSON and bounded whatever the bodies were (20 MB, not UTF-8, a stream
of thousands of events).

Run alone: python3 tests/hardening/cases_inspector.py [--only REGEX] [-v]
"""
if __name__ == "__main__":
    import os as _os
    import sys as _sys
    _sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
    import cases_inspector  # noqa: F401
    import run_hardening
    _sys.exit(run_hardening.main())

import json
import socket
import time

from payloads import MODEL
from registry import case
from wire import Failure, reset_close

MAX_FEEDS = 16  # admin/journal_feed.h kMaxOpenFeeds


def open_feed(port, after="0"):
    """A feed on a raw socket, its head read; returns the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"GET /_emulator/requests/feed?after={after} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(4096)
        if not data:
            raise Failure(f"the feed closed before its head: {head!r}")
        head += data
    if not head.startswith(b"HTTP/1.1 200"):
        raise Failure(f"feed refused: {head[:120]!r}")
    return sock


def open_feeds(port, count, seconds=5.0):
    """Opens up to `count` feeds, waiting up to `seconds` for slots that left feeds free."""
    deadline = time.monotonic() + seconds
    socks = []
    while len(socks) < count and time.monotonic() < deadline:
        try:
            socks.append(open_feed(port))
        except Failure:
            time.sleep(0.05)
    return socks


# No probes: their journal entries would be written to the feeds and reveal a closed client.
@case("feed-slots-come-back-after-every-way-of-leaving", fresh=True, probe=False)
def feed_slots(ctx):
    # (A half-closed client may still read: its feed stays open, as an HTTP/1.1 answer does.)
    for how in ("close", "reset"):
        socks = open_feeds(ctx.port, MAX_FEEDS)
        if len(socks) < MAX_FEEDS:
            raise Failure(f"before {how}: only {len(socks)} of {MAX_FEEDS} feeds opened")
        status, _, body = ctx.server.http("GET", "/_emulator/requests/feed", timeout=2)
        if status != 503:
            raise Failure(f"feed {MAX_FEEDS + 1} answered {status}, not 503")
        for sock in socks:
            if how == "close":
                # Read what was sent first: a close with unread data is a reset, not a FIN.
                time.sleep(0.05)
                sock.setblocking(False)
                try:
                    while sock.recv(65536):
                        pass
                except BlockingIOError:
                    pass
                sock.close()
            else:
                reset_close(sock)
        started = time.monotonic()
        reopened = open_feeds(ctx.port, MAX_FEEDS)
        took = time.monotonic() - started
        for sock in reopened:
            sock.close()
        ctx.note(f"after {how}: {len(reopened)} slots back in {took:.1f} s")
        if len(reopened) < MAX_FEEDS:
            raise Failure(f"after {how}: only {len(reopened)} of {MAX_FEEDS} feed slots came back")


# Measures memory: skipped under a sanitizer, whose quarantine holds what was freed.
@case("feed-never-read-while-2000-requests", fresh=True, timeout=90, measures_allocator=True)
def feed_never_read(ctx):
    # A feed whose client never reads: the server writes until the socket is full, then waits
    # (its write timeout closes it), while other clients go on.
    sock = open_feed(ctx.port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    before = ctx.server.status()["VmRSS"]
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "x" * 2000}]}]})
    started = time.monotonic()
    for i in range(2000):
        status, _, _ = ctx.server.http("POST", f"/model/{MODEL}/converse", body, timeout=5)
        if status != 200:
            raise Failure(f"request {i} answered {status} while a feed was not read")
        if time.monotonic() - started > 60:
            break
    after = ctx.server.status()["VmRSS"]
    sock.close()
    ctx.note(f"2000 requests with a feed never read; VmRSS {before:.0f} -> {after:.0f} MB")
    # What the journal may hold is bounded (64 MiB); the feed itself must not buffer the lot.
    if after - before > 120:
        raise Failure(f"VmRSS grew {after - before:.0f} MB")


@case("detail-of-huge-and-binary-bodies-stays-bounded-json", fresh=True, timeout=60)
def detail_bounded(ctx):
    huge = json.dumps({"messages": [{"role": "user", "content": [{"text": "é" * 2_000_000}]}]})
    ctx.server.http("POST", f"/model/{MODEL}/converse", huge, timeout=20)
    binary = bytes(range(256)) * 1000
    ctx.server.http("POST", f"/model/{MODEL}/invoke", binary, timeout=5)
    status, _, listing = ctx.server.http("GET", "/_emulator/requests")
    if status != 200:
        raise Failure(f"journal listing answered {status}")
    # The runner's probes are journaled too: every entry's detail is checked, these two by size.
    kept = {}
    for entry in json.loads(listing)["requests"]:
        status, _, body = ctx.server.http("GET", f"/_emulator/requests/{entry['requestId']}")
        if status != 200:
            raise Failure(f"detail answered {status}")
        if len(body) > 200_000:
            raise Failure(f"one entry's detail is {len(body)} bytes")
        request_body = json.loads(body)["requestBody"]  # valid JSON whatever the body was
        if request_body and request_body["bytes"] in (len(huge.encode()), len(binary)):
            kept[request_body["bytes"]] = request_body
    huge_kept, binary_kept = kept.get(len(huge.encode())), kept.get(len(binary))
    if not huge_kept or not binary_kept:
        raise Failure(f"the two large requests are not in the journal: {sorted(kept)}")
    if not huge_kept.get("cut") or not binary_kept.get("cut"):
        raise Failure("a body over 16 KiB is not marked cut")
    if binary_kept["encoding"] != "base64" or huge_kept["encoding"] != "utf-8":
        raise Failure(f"encodings {huge_kept['encoding']}, {binary_kept['encoding']}")
    for odd in ("%00", "..%2F..%2Fetc", "%FF%FE", "a" * 5000):
        status, _, _ = ctx.server.http("GET", f"/_emulator/requests/{odd}")
        if status not in (400, 404):
            raise Failure(f"detail of {odd[:20]!r} answered {status}")
    ctx.note("4 MB and binary bodies: details valid JSON, under 200 KB, marked cut")


@case("detail-of-a-5000-event-stream-keeps-its-budget", fresh=True, timeout=60,
      scenarios={"many.json": {"name": "many", "rules": [
          {"match": {"operation": "ConverseStream"}, "response": {"text": "w" * 5000, "chunkSize": 1}}]}})
def detail_of_long_stream(ctx):
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "go"}]}]})
    status, _, stream = ctx.server.http("POST", f"/model/{MODEL}/converse-stream", body, timeout=30)
    if status != 200:
        raise Failure(f"the stream answered {status}")
    status, _, listing = ctx.server.http("GET", "/_emulator/requests?operation=ConverseStream")
    [entry] = json.loads(listing)["requests"]
    _, _, body = ctx.server.http("GET", f"/_emulator/requests/{entry['requestId']}")
    detail = json.loads(body)
    kept, not_kept = len(detail["frames"]), detail["framesNotKept"]
    if kept > 256 or kept == 0:
        raise Failure(f"{kept} frames kept")
    if kept + not_kept != entry["eventsSent"]:
        raise Failure(f"{kept} kept + {not_kept} not kept, {entry['eventsSent']} events sent")
    ctx.note(f"{entry['eventsSent']} events: {kept} frames kept, {not_kept} counted, detail {len(body)} bytes")
