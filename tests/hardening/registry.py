"""The list of cases and what every case is checked for after it ran."""
import os

from server import PROBE_LIMIT_S  # noqa: F401  (the runner reads it from here)

# Limits every case is held to (issue 13). Threads: the server has about ten of its own and at
# most 256 connection threads (README "Limits"); a server that makes one per connection or
# stream without a bound passes this under the cases' load (900 streams, 1,500 connections).
# An AddressSanitizer build holds freed memory in quarantine and shadow memory beside it:
# HARDENING_RSS_LIMIT_MB raises the bound for such a run.
RSS_LIMIT_MB = int(os.environ.get("HARDENING_RSS_LIMIT_MB", "300"))
MAX_THREADS = int(os.environ.get("HARDENING_MAX_THREADS", "300"))
CASE_TIMEOUT_S = 30.0
# Set (to the sanitizer's name) when the binary is a sanitizer build: cases that measure speed or
# memory given back to the system say nothing there (ASan keeps freed memory in quarantine and
# its allocator keeps pages) and are skipped.
SANITIZER = os.environ.get("HARDENING_SANITIZER", "")

CASES = []
SKIPPED = []  # names of the cases left out under a sanitizer


class Case:
    def __init__(self, name, fn, fresh, probe, timeout, server_kwargs, checks_after):
        self.name, self.fn, self.fresh, self.probe = name, fn, fresh, probe
        self.timeout, self.server_kwargs, self.checks_after = timeout, server_kwargs, checks_after


def case(name, fresh=False, probe=True, timeout=CASE_TIMEOUT_S, checks_after=True,
         measures_allocator=False, **server_kwargs):
    """Registers fn(ctx) as a case.

    fresh: the case gets a server of its own (with server_kwargs), so VmHWM is the case's own.
    probe: health and Converse probes run from other clients during the case.
    checks_after: the server must be alive and answer within 1 s after the case (off for the
    cases that stop it).
    measures_allocator: the case measures throughput or memory given back; skipped under a
    sanitizer (SANITIZER).
    """
    def register(fn):
        if measures_allocator and SANITIZER:
            SKIPPED.append(name)
            return fn
        CASES.append(Case(name, fn, fresh, probe, timeout, server_kwargs, checks_after))
        return fn
    return register


class Context:
    """What a case gets: the server and its port, and a note for the result line."""

    def __init__(self, server, monitor):
        self.server = server
        self.port = server.port
        self.monitor = monitor
        self.notes = []

    def note(self, text):
        self.notes.append(text)
