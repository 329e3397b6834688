"""One bedrock-emulator process under test: start, watch (RSS, threads, CPU), probe, stop.

The binary comes from $BEDROCK_EMULATOR_BIN. Every server listens on 127.0.0.1 with a port the
kernel picks, a temporary --data-dir and a temporary --scenarios folder written by the suite.
"""
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import boto3
from botocore.config import Config

BANNER = re.compile(r"^bedrock-emulator \S+ listening on http://127\.0\.0\.1:(\d+) ")
PROBE_MODEL = "amazon.nova-micro-v1:0"
# A server whose resident set passes this is killed at once, so that a server without limits
# cannot take the shared machine down with it (the assertion itself is at 300 MB).
KILL_RSS_MB = max(1536, 2 * int(os.environ.get("HARDENING_RSS_LIMIT_MB", "300")))
PROBE_LIMIT_S = float(os.environ.get("HARDENING_PROBE_LIMIT_S", "1.0"))  # more for sanitizer builds
DEFAULT_GRACE_S = 5.0  # what a binary without --shutdown-grace is assumed to allow

os.environ.update({
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
})


def binary():
    path = os.environ.get("BEDROCK_EMULATOR_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise SystemExit(f"set BEDROCK_EMULATOR_BIN to the emulator binary (got {path!r})")
    return path


_help_text = None


def supports_flag(flag):
    global _help_text
    if _help_text is None:
        out = subprocess.run([binary(), "--help"], capture_output=True, timeout=10)
        _help_text = (out.stdout + out.stderr).decode("utf-8", "replace")
    return flag in _help_text


def proc_status(pid):
    """VmRSS, VmHWM (MB) and Threads of a live process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024.0
        elif key == "Threads":
            values[key] = int(rest)
    return values


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def boto_client(port, timeout=PROBE_LIMIT_S):
    return boto3.client(
        "bedrock-runtime", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=timeout,
                      read_timeout=timeout, tcp_keepalive=False))


_RUNNING = set()


@atexit.register
def _kill_leftovers():
    """No server outlives the suite, whatever ended it."""
    for server in list(_RUNNING):
        server.kill()
        shutil.rmtree(server.tmp, ignore_errors=True)


class Server:
    def __init__(self, scenarios=None, extra_args=(), grace=None, data_setup=None):
        """scenarios: {file name: JSON-able document or str}; data_setup(data_dir) runs first."""
        self.tmp = tempfile.mkdtemp(prefix="bedrock-hardening-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.scenario_dir = os.path.join(self.tmp, "scenarios")
        os.makedirs(self.data_dir)
        os.makedirs(self.scenario_dir)
        for name, doc in (scenarios or {}).items():
            with open(os.path.join(self.scenario_dir, name), "w") as f:
                f.write(doc if isinstance(doc, str) else json.dumps(doc))
        if data_setup:
            data_setup(self.data_dir)
        self.grace = DEFAULT_GRACE_S
        # The cases pin model ids Bedrock has since retired: serve those as live.
        args = [binary(), "--host", "127.0.0.1", "--port", "0", "--data-dir", self.data_dir,
                "--scenarios", self.scenario_dir, "--log-level", "warn", "--serve-retired-models",
                *extra_args]
        if grace is not None and supports_flag("--shutdown-grace"):
            args += ["--shutdown-grace", str(grace)]
            self.grace = float(grace)
        self.stdout_path = os.path.join(self.tmp, "stdout.log")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.port = None
        self.killed_for_rss = None  # the VmRSS (MB) at which the watchdog killed it
        _RUNNING.add(self)
        self._wait_banner()
        self.client = boto_client(self.port)
        try:
            self.probe_converse()  # the first call loads botocore's models; not measured
        except Exception:
            self.close()
            raise

    def _wait_banner(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.stdout_path, encoding="utf-8", errors="replace") as f:
                line = f.readline()
            match = BANNER.match(line)
            if match:
                self.port = int(match.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        tail = self.stderr_tail()
        self.close()
        raise RuntimeError(f"server did not start ({self.death()}): {tail}")

    # -- state -----------------------------------------------------------------------------
    def alive(self):
        return self.proc.poll() is None

    def death(self):
        """How the process ended, in words; None while it runs."""
        code = self.proc.poll()
        if code is None:
            return None
        if self.killed_for_rss:
            return f"killed by the suite at VmRSS {self.killed_for_rss:.0f} MB"
        if code < 0:
            return f"died of {signal.Signals(-code).name}"
        return f"exited with status {code}"

    def status(self):
        return proc_status(self.pid) if self.alive() else None

    def stderr_tail(self, n=300):
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - n))
                return f.read().decode("utf-8", "replace").strip().replace("\n", " | ")
        except OSError:
            return ""

    def stderr_size(self):
        try:
            return os.path.getsize(self.stderr_path)
        except OSError:
            return 0

    def watchdog_kill(self, rss):
        self.killed_for_rss = rss
        self.kill()

    # -- probes ----------------------------------------------------------------------------
    def http(self, method, path, body=None, headers=None, timeout=5.0):
        """One HTTP/1.1 request on a new connection: (status, headers, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def probe_health(self, timeout=PROBE_LIMIT_S):
        """Seconds /_emulator/health took; raises when it fails or takes over `timeout`."""
        start = time.monotonic()
        status, _, body = self.http("GET", "/_emulator/health", timeout=timeout)
        took = time.monotonic() - start
        if status != 200 or b'"ok"' not in body:
            raise RuntimeError(f"health answered {status}")
        return took

    def probe_converse(self, client=None, timeout=PROBE_LIMIT_S):
        start = time.monotonic()
        reply = (client or self.client).converse(
            modelId=PROBE_MODEL, messages=[{"role": "user", "content": [{"text": "probe"}]}])
        took = time.monotonic() - start
        if not reply["output"]["message"]["content"][0]["text"]:
            raise RuntimeError("converse answered no text")
        return took

    def reset(self):
        status, _, _ = self.http("POST", "/_emulator/reset", timeout=5)
        if status // 100 != 2:
            raise RuntimeError(f"reset answered {status}")

    def list_async(self):
        status, _, body = self.http("GET", "/async-invoke?maxResults=1000", timeout=5)
        if status != 200:
            raise RuntimeError(f"ListAsyncInvokes answered {status}")
        return json.loads(body).get("asyncInvokeSummaries", [])

    # -- stop ------------------------------------------------------------------------------
    def terminate(self, timeout):
        """SIGTERM; seconds until the process exited, or None if it outlived `timeout`."""
        start = time.monotonic()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
            return time.monotonic() - start
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self):
        _RUNNING.discard(self)
        if self.alive() and self.terminate(2.0) is None:
            self.kill()
        self._out.close()
        self._err.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Monitor:
    """While a case runs: samples VmRSS/Threads every 50 ms (and kills the server past
    KILL_RSS_MB), and, when `probe` is set, times a health check and a boto3 Converse from
    separate clients every 0.25 s. Every probe must succeed within 1 s."""

    def __init__(self, server, probe=True, limit_s=1.0):
        self.server = server
        self.limit_s = limit_s
        self.peak_rss = 0.0
        self.peak_threads = 0
        self.worst_probe = 0.0
        self.probe_errors = []
        self.probes = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sample, daemon=True)]
        if probe:
            self._client = boto_client(server.port, timeout=limit_s)
            try:
                server.probe_converse(self._client, timeout=5)  # warm, not measured
            except Exception:
                pass
            self._threads.append(threading.Thread(target=self._probe, daemon=True))
        for t in self._threads:
            t.start()

    def _sample(self):
        while not self._stop.is_set():
            st = self.server.status()
            if st is None:
                return
            self.peak_rss = max(self.peak_rss, st.get("VmRSS", 0))
            self.peak_threads = max(self.peak_threads, st.get("Threads", 0))
            if st.get("VmRSS", 0) > KILL_RSS_MB:
                self.server.watchdog_kill(st["VmRSS"])
                return
            self._stop.wait(0.05)

    def _probe(self):
        while not self._stop.is_set() and self.server.alive():
            for name, fn in (("health", lambda: self.server.probe_health(self.limit_s)),
                             ("converse", lambda: self.server.probe_converse(self._client))):
                if self._stop.is_set() or not self.server.alive():
                    return
                start = time.monotonic()
                try:
                    fn()
                    took = time.monotonic() - start
                except Exception as e:  # a timeout or a refused connection
                    took = time.monotonic() - start
                    if self.server.alive() and not self._stop.is_set():
                        self.probe_errors.append(f"{name} probe failed after {took:.2f} s ({type(e).__name__})")
                self.probes += 1
                self.worst_probe = max(self.worst_probe, took)
                if took > self.limit_s and not self.probe_errors:
                    self.probe_errors.append(f"{name} probe took {took:.2f} s")
            self._stop.wait(0.25)

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=3)
