"""Starts and stops a bedrock-emulator process and builds boto3 clients pointed at it.

The binary comes from $BEDROCK_EMULATOR_BIN, default <repo>/build/bedrock-emulator.
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
import time
import unittest

import boto3
from botocore.config import Config

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BINARY = os.environ.get("BEDROCK_EMULATOR_BIN", os.path.join(REPO, "build", "bedrock-emulator"))
CATALOG_PATH = os.path.join(REPO, "emulator", "data", "models.json")
BANNER = re.compile(r"^bedrock-emulator \S+ listening on http://127\.0\.0\.1:(\d+) \(HTTP/1\.1 and HTTP/2\)$")

# Dummy credentials, and no reading of the developer's own AWS configuration.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "dummy-session-token",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
})


class Emulator:
    """One running server. Use start(), then stop() (which returns the exit code).

    serve_retired_models: these suites predate the model lifecycle and pin ids Bedrock has since
    retired (Claude 3.5 Haiku, Nova Reel v1:0, ...), so their server serves retired models as live
    (--serve-retired-models); a test of Bedrock's end-of-life answer passes False.
    """

    def __init__(self, serve_retired_models=True, args=(), env=None):
        """args: more flags; env: variables set (or, with value None, removed) for the server."""
        self.serve_retired_models = serve_retired_models
        self.args = list(args)
        self.env = env
        self.process = None
        self.port = None
        self.data_dir = None
        self.endpoint = None

    def start(self, timeout=15.0):
        if not os.access(BINARY, os.X_OK):
            raise RuntimeError(f"emulator binary not found at {BINARY}; build it or set BEDROCK_EMULATOR_BIN")
        self.data_dir = tempfile.mkdtemp(prefix="bedrock-emulator-py-")
        self._stdout_path = os.path.join(self.data_dir, "stdout.log")
        self._stdout = open(self._stdout_path, "wb")
        self._stderr = open(os.path.join(self.data_dir, "stderr.log"), "wb")
        args = [BINARY, "--port", "0", "--data-dir", os.path.join(self.data_dir, "data"), "--log-level", "warn"]
        if self.serve_retired_models:
            args.append("--serve-retired-models")
        args += self.args
        env = None
        if self.env is not None:
            env = dict(os.environ)
            for name, value in self.env.items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        self.process = subprocess.Popen(
            args, env=env,
            stdout=self._stdout, stderr=self._stderr, stdin=subprocess.DEVNULL)
        atexit.register(self._kill_if_running)  # never leave an orphan server behind
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self._stdout_path, encoding="utf-8", errors="replace") as f:
                line = f.readline()
            if line.endswith("\n"):
                match = BANNER.match(line.strip())
                if not match:
                    self.stop()
                    raise RuntimeError(f"unexpected first stdout line: {line!r}")
                self.port = int(match.group(1))
                self.endpoint = f"http://127.0.0.1:{self.port}"
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        code = self.stop()
        raise RuntimeError(f"emulator did not start (exit code {code}): {self.stderr_text()}")

    def _kill_if_running(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def stderr_text(self):
        try:
            with open(os.path.join(self.data_dir, "stderr.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM, wait, clean up; returns the exit code (None if it had to be killed)."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self._stdout.close()
            self._stderr.close()
            self.process = None
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
        return code

    def connection(self, timeout=10.0):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        """One raw HTTP/1.1 request on a fresh connection; returns (status, headers, body bytes)."""
        conn = self.connection()
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def client(self):
        return boto3.client(
            "bedrock-runtime",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=os.environ["AWS_SESSION_TOKEN"],
            config=Config(retries={"max_attempts": 1, "mode": "standard"},
                          connect_timeout=5, read_timeout=30),
        )


class EmulatorTest(unittest.TestCase):
    """A test class with an emulator of its own and a boto3 client on it; stopping the emulator
    with SIGTERM must exit 0. With reset_each_test, every test starts from POST /_emulator/reset."""
    reset_each_test = False
    serve_retired_models = True  # see Emulator

    @classmethod
    def setUpClass(cls):
        cls.emulator = Emulator(serve_retired_models=cls.serve_retired_models).start()
        cls.client = cls.make_test_client()

    @classmethod
    def make_test_client(cls):
        return cls.emulator.client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        code = cls.emulator.stop()
        if code != 0:
            raise AssertionError(f"emulator exited with {code} on SIGTERM")

    def setUp(self):
        if self.reset_each_test:
            self.emulator.request("POST", "/_emulator/reset")


def load_catalog():
    """The model catalog the emulator embeds: a list of model entries (id, family, features, ...)."""
    with open(CATALOG_PATH, encoding="utf-8") as f:
        return json.load(f)["models"]


def invocable_id(model):
    """The id a client calls a catalog model by: the bare id, or its first inference profile."""
    return model["id"] if model["onDemand"] else f'{model["profiles"][0]}.{model["id"]}'


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def assistant(text):
    return {"role": "assistant", "content": [{"text": text}]}
