"""Record mode and replay, round trip: a second emulator stands in for Bedrock (plain HTTP, and
HTTPS behind a TLS relay with a certificate from a CA made here); boto3 runs one session of calls
through a recording emulator (--record-to, --upstream) and again against a third emulator that
replays the recording (--scenarios, --replay-strict). The answers and event sequences must be the
same, streams keep their pacing at --replay-speed 1 (within 20%) and lose it at 0, nothing secret
is written, and what reached the upstream was signed as botocore would sign it."""
import glob
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

import harness
from harness import user

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
REEL = "amazon.nova-reel-v1:0"
UPSTREAM_ACCOUNT = "111122223333"  # the upstream's ARNs carry it; a recording must not
# What the recording emulator signs with: never to be found in a recording.
KEY_ID = "AKIAIOSFODNN7RECORDS"
SECRET = "recordSecret/K7MDENG+bPxRfiCYRECORDKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLErecordSessionToken"
BEARER = "ABSKQmVkcm9ja0FQSUtleS1yZWNvcmRlZA=="
GAP_MS = 100  # the upstream's wait between stream events

# The upstream's scripted behaviour: a slow stream to time, and one request answered differently
# the second time, so that replay must keep the order.
UPSTREAM_SCENARIO = {
    "name": "upstream",
    "rules": [
        {"match": {"operation": "ConverseStream", "text": "slowly"},
         "latency": {"betweenEventsMs": GAP_MS},
         "response": {"text": "one two three four five six seven eight", "chunkSize": 8}},
        {"match": {"operation": "Converse", "text": "say again"}, "times": 1,
         "response": {"text": "first answer"}},
        {"match": {"operation": "Converse", "text": "say again"},
         "response": {"text": "second answer"}},
        # An upstream that echoes the caller's credentials (an error naming the session).
        {"match": {"operation": "Converse", "text": "echo"},
         "response": {"text": f"session {TOKEN} of {KEY_ID}"}},
    ],
}


def client(endpoint, service):
    return boto3.client(
        service, region_name="us-east-1", endpoint_url=endpoint,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                      read_timeout=30))


def plain(response):
    response = dict(response)
    response.pop("ResponseMetadata", None)
    return response


def read_stream(events):
    """(events, seconds between consecutive events) of an EventStream."""
    out, times = [], []
    for event in events:
        times.append(time.monotonic())
        out.append(event)
    return out, [b - a for a, b in zip(times, times[1:])]


def as_recorded(answer):
    """An answer the recorder relayed, as its recording replays it: the upstream's account id in
    ARNs replaced by the emulator's (--account-id, default 123456789012)."""
    if isinstance(answer, str):
        return answer.replace(f":{UPSTREAM_ACCOUNT}:", ":123456789012:")
    if isinstance(answer, dict):
        return {key: as_recorded(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return [as_recorded(value) for value in answer]
    if isinstance(answer, tuple):
        return tuple(as_recorded(value) for value in answer)
    return answer


def without_latency(answer):
    """An answer without its measured latencies (metrics.latencyMs differs from call to call)."""
    if isinstance(answer, dict):
        return {key: without_latency(value) for key, value in answer.items() if key != "latencyMs"}
    if isinstance(answer, list):
        return [without_latency(value) for value in answer]
    return answer


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], \
            e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call did not fail")


def session(endpoint, guardrail="recorded-guardrail"):
    """One of every kind of call, through `endpoint`: ({name: answer}, {name: gaps})."""
    runtime = client(endpoint, "bedrock-runtime")
    bedrock = client(endpoint, "bedrock")
    answers, gaps = {}, {}
    answers["converse"] = plain(runtime.converse(modelId=MODEL, messages=[user("hello there")]))
    answers["again 1"] = plain(runtime.converse(modelId=MODEL, messages=[user("say again")]))
    answers["again 2"] = plain(runtime.converse(modelId=MODEL, messages=[user("say again")]))
    answers["stream"], gaps["stream"] = read_stream(
        runtime.converse_stream(modelId=MODEL, messages=[user("tell it slowly")])["stream"])
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                       "messages": [{"role": "user", "content": "invoke me"}]})
    invoked = runtime.invoke_model(modelId=MODEL, body=body)
    answers["invoke"] = {**plain(invoked), "body": json.loads(invoked["body"].read())}
    streamed = runtime.invoke_model_with_response_stream(modelId=MODEL, body=body)
    answers["invoke stream"] = [json.loads(e["chunk"]["bytes"]) if "chunk" in e else e
                                for e in streamed["body"]]
    answers["count"] = plain(runtime.count_tokens(
        modelId=MODEL, input={"converse": {"messages": [user("count these words")]}}))
    created = plain(bedrock.create_guardrail(
        name=guardrail, wordPolicyConfig={"wordsConfig": [{"text": "zeus"}]},
        blockedInputMessaging="blocked in", blockedOutputsMessaging="blocked out"))
    answers["create guardrail"] = created
    answers["apply guardrail"] = plain(runtime.apply_guardrail(
        guardrailIdentifier=created["guardrailId"], guardrailVersion="DRAFT", source="INPUT",
        content=[{"text": {"text": "tell me about zeus"}}]))
    answers["models"] = plain(bedrock.list_foundation_models(byProvider="Anthropic"))
    arn = runtime.start_async_invoke(
        modelId=REEL, modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a cat"},
                                  "videoGenerationConfig": {"durationSeconds": 6, "fps": 24,
                                                            "dimension": "1280x720", "seed": 0}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://bucket/out"}})["invocationArn"]
    answers["start async"] = arn
    answers["get async"] = plain(runtime.get_async_invoke(invocationArn=arn))
    answers["list async"] = plain(runtime.list_async_invokes())
    answers["refused"] = error_of(lambda: runtime.converse(modelId="no.such-model-v1:0",
                                                           messages=[user("hi")]))
    runtime.close()
    bedrock.close()
    return answers, gaps


class TapRelay:
    """A TCP relay in front of the upstream that keeps what clients sent through it; with a
    certificate it is the TLS end (so the test can read what the recorder sent over HTTPS)."""

    def __init__(self, upstream_port, certificate=None):
        self.upstream_port = upstream_port
        self.context = None
        if certificate:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(*certificate)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = []  # one bytes object per connection, what the client sent
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        captured = bytearray()
        try:
            if self.context:
                conn = self.context.wrap_socket(conn, server_side=True)
            up = socket.create_connection(("127.0.0.1", self.upstream_port))
        except (OSError, ssl.SSLError):
            conn.close()
            return

        def pump(source, sink, keep):
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    if keep is not None:
                        keep.extend(data)
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for s in (source, sink):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=pump, args=(up, conn, None), daemon=True)
        back.start()
        pump(conn, up, captured)
        back.join(timeout=30)
        conn.close()
        up.close()
        with self.lock:
            self.sent.append(bytes(captured))

    def requests(self):
        """(method, target, headers dict lower-cased, body) of each request seen."""
        out = []
        with self.lock:
            sent = list(self.sent)
        for raw in sent:
            if b"\r\n\r\n" not in raw:
                continue  # a handshake that failed, or a connection that sent nothing
            head, _, body = raw.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            out.append((method, target, headers, body))
        return out

    def wait_for(self, count, timeout=5.0):
        """The requests seen, once there are `count` of them (a connection is kept when it closes,
        a moment after its answer reached the client), or after `timeout`."""
        deadline = time.monotonic() + timeout
        while len(self.requests()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests()

    def close(self):
        self.running = False
        self.listener.close()


def make_certificates(folder):
    """A CA, and a certificate for 127.0.0.1 it signed: (ca.pem, (cert.pem, key.pem))."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=folder, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "1", "-subj", "/CN=record-replay test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    with open(os.path.join(folder, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "server.ext")
    return (os.path.join(folder, "ca.pem"),
            (os.path.join(folder, "server.pem"), os.path.join(folder, "server.key")))


def recorder_env(**extra):
    env = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
           "AWS_BEARER_TOKEN_BEDROCK": None}
    env.update(extra)
    return env


def recording_files(folder):
    return sorted(glob.glob(os.path.join(folder, "*.json")))


class RoundTrip:
    """Mixin: an upstream (behind a TapRelay), a recording of one session through a recorder,
    and the answers that session saw."""
    certificate = False

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="bedrock-record-")
        cls.records = os.path.join(cls.folder, "recorded")
        cls.servers = []
        cls.upstream = cls.start(args=["--account-id", UPSTREAM_ACCOUNT])
        status, _, _ = cls.upstream.request("POST", "/_emulator/scenarios", UPSTREAM_SCENARIO)
        assert status == 200, status
        cls.ca = None
        certificate = None
        if cls.certificate:
            cls.ca, certificate = make_certificates(cls.folder)
        cls.tap = TapRelay(cls.upstream.port, certificate)
        scheme = "https" if cls.certificate else "http"
        cls.upstream_url = f"{scheme}://127.0.0.1:{cls.tap.port}"
        args = ["--record-to", cls.records, "--upstream", cls.upstream_url]
        if cls.ca:
            args += ["--upstream-ca", cls.ca]
        cls.recorder = cls.start(args=args, env=recorder_env())

    @classmethod
    def start(cls, args=(), env=None):
        server = harness.Emulator(args=args, env=env).start()
        cls.servers.append(server)
        return server

    @classmethod
    def tearDownClass(cls):
        cls.tap.close()
        for server in cls.servers:
            server.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def replayer(self, speed="1", strict=True):
        args = ["--scenarios", self.records, "--replay-speed", speed]
        if strict:
            args.append("--replay-strict")
        return self.start(args=args)


class RecordReplayOverHttp(RoundTrip, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recorded, cls.recorded_gaps = session(cls.recorder.endpoint)
        echo = client(cls.recorder.endpoint, "bedrock-runtime")
        cls.echoed = echo.converse(modelId=MODEL, messages=[user("echo")])
        echo.close()

    def test_recorded_answers_are_the_upstreams(self):
        direct, _ = session(self.upstream.endpoint, guardrail="direct-guardrail")
        # The upstream's state moved on (its second "say again" rule, a new guardrail id, one more
        # invocation); the answers that do not depend on it are the same.
        for name in ("converse", "stream", "invoke", "invoke stream", "count", "models", "refused"):
            self.assertEqual(without_latency(self.recorded[name]), without_latency(direct[name]), name)
        self.assertEqual(self.recorded["again 1"]["output"]["message"]["content"][0]["text"],
                         "first answer")
        self.assertEqual(self.recorded["again 2"]["output"]["message"]["content"][0]["text"],
                         "second answer")

    def test_replay_gives_the_same_answers_and_events(self):
        replay = self.replayer()
        replayed, gaps = session(replay.endpoint)
        self.assertEqual(set(replayed), set(self.recorded))
        for name in self.recorded:
            self.assertEqual(replayed[name], as_recorded(self.recorded[name]), name)
        self.assertGreater(len(replayed["stream"]), 5)

    def test_replay_at_speed_1_keeps_the_streams_pacing_within_20_percent(self):
        replay = self.replayer("1")
        _, gaps = session(replay.endpoint)
        recorded = sorted(self.recorded_gaps["stream"])
        replayed = sorted(gaps["stream"])
        # Middle gaps (the first and last may fold in the head or the closing events).
        recorded_median = recorded[len(recorded) // 2]
        replayed_median = replayed[len(replayed) // 2]
        self.assertGreater(recorded_median, GAP_MS / 1000 * 0.8)
        self.assertLess(abs(replayed_median - recorded_median), 0.2 * recorded_median,
                        (recorded, replayed))
        self.assertLess(abs(sum(replayed) - sum(recorded)), 0.2 * sum(recorded), (recorded, replayed))

    def test_replay_at_speed_0_sends_at_once(self):
        replay = self.replayer("0")
        _, gaps = session(replay.endpoint)
        self.assertLess(sum(gaps["stream"]), 0.3 * sum(self.recorded_gaps["stream"]), gaps)

    def test_strict_replay_names_the_nearest_recorded_request(self):
        replay = self.replayer()
        runtime = client(replay.endpoint, "bedrock-runtime")
        code, message, status = error_of(
            lambda: runtime.converse(modelId=MODEL, messages=[user("hello where")]))
        self.assertEqual((code, status), ("ValidationException", 400))
        self.assertIn("nearest recorded exchange", message)
        self.assertIn('/body/messages/0/content/0/text: recorded "hello there", sent "hello where"',
                      message)
        status, _, body = replay.request("GET", "/_emulator/requests/unmatched")
        self.assertEqual(status, 200)
        unmatched = json.loads(body)["unmatched"]
        self.assertEqual(len(unmatched), 1)
        self.assertEqual(unmatched[0]["operation"], "Converse")
        self.assertEqual(unmatched[0]["nearest"]["ruleName"], "Converse 1")
        self.assertRegex(unmatched[0]["requestDigest"], r"^sha256:[0-9a-f]{64}$")

    def test_without_strict_an_unknown_request_gets_the_default_answer(self):
        replay = self.replayer(strict=False)
        runtime = client(replay.endpoint, "bedrock-runtime")
        answer = runtime.converse(modelId=MODEL, messages=[user("never recorded")])
        self.assertIn("never recorded", answer["output"]["message"]["content"][0]["text"])

    def test_the_recording_is_a_valid_scenario_file(self):
        files = recording_files(self.records)
        self.assertEqual(len(files), 1)
        done = subprocess.run([harness.BINARY, "validate", *files], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        with open(files[0]) as f:
            rules = json.load(f)["rules"]
        operations = [rule["match"]["operation"] for rule in rules]
        self.assertEqual(operations, [
            "Converse", "Converse", "Converse", "ConverseStream", "InvokeModel",
            "InvokeModelWithResponseStream", "CountTokens", "CreateGuardrail", "ApplyGuardrail",
            "ListFoundationModels", "StartAsyncInvoke", "GetAsyncInvoke", "ListAsyncInvokes",
            "Converse", "Converse"])
        self.assertTrue(all(rule["times"] == 1 for rule in rules))
        stream = rules[3]["recorded"]
        self.assertEqual(stream["frames"][0]["headers"][":event-type"], "messageStart")
        delays = [frame["delayMs"] for frame in stream["frames"][1:-1]]
        self.assertGreaterEqual(sorted(delays)[len(delays) // 2], GAP_MS * 0.8, delays)

    def test_nothing_secret_is_written(self):
        # What the recorder sent upstream carried every secret, so the search below can fail.
        self.tap.wait_for(15)
        sent = b"".join(self.tap.sent).decode("latin-1")
        for secret in (KEY_ID, TOKEN, "Signature=", "AWS4-HMAC-SHA256"):
            self.assertIn(secret, sent)
        self.assertIn(UPSTREAM_ACCOUNT, json.dumps(self.recorded, default=str))
        text = ""
        for path in recording_files(self.records):
            with open(path, encoding="utf-8") as f:
                text += f.read()
        for secret in (KEY_ID, SECRET, TOKEN, "Signature=", "AWS4-HMAC-SHA256", "Credential=",
                       "x-amz-security-token", "X-Amz-Security-Token", "authorization",
                       "Authorization", UPSTREAM_ACCOUNT, "AKIDEXAMPLE"):
            self.assertNotIn(secret, text)
        self.assertIn("arn:aws:bedrock:us-east-1:123456789012:guardrail/", text)
        # The client got the echo as it came; the recording has the values replaced.
        self.assertIn(TOKEN, self.echoed["output"]["message"]["content"][0]["text"])
        self.assertIn("session [scrubbed] of ", text)

    def test_upstream_requests_are_signed_as_botocore_signs_them(self):
        requests = self.tap.wait_for(15)
        self.assertGreaterEqual(len(requests), 15)
        credentials = Credentials(KEY_ID, SECRET, TOKEN)
        for method, target, headers, body in requests:
            authorization = headers["authorization"]
            self.assertTrue(authorization.startswith(
                f"AWS4-HMAC-SHA256 Credential={KEY_ID}/"), authorization)
            self.assertIn("/us-east-1/bedrock/aws4_request", authorization)
            self.assertEqual(headers["x-amz-security-token"], TOKEN)
            signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
            request = AWSRequest(method=method, url=f"http://{headers['host']}{target}", data=body,
                                 headers={name: headers[name] for name in signed if name != "host"})
            request.context["timestamp"] = headers["x-amz-date"]
            signer = SigV4Auth(credentials, "bedrock", "us-east-1")
            canonical = signer.canonical_request(request)
            expected = signer.signature(signer.string_to_sign(request, canonical), request)
            self.assertTrue(authorization.endswith(f"Signature={expected}"),
                            f"{method} {target}: {authorization}")


class RecordReplayOverHttps(RoundTrip, unittest.TestCase):
    certificate = True

    def test_https_upstream_round_trip(self):
        runtime = client(self.recorder.endpoint, "bedrock-runtime")
        recorded = plain(runtime.converse(modelId=MODEL, messages=[user("over tls")]))
        events, _ = read_stream(runtime.converse_stream(
            modelId=MODEL, messages=[user("tell it slowly")])["stream"])
        self.assertTrue(self.tap.wait_for(1), "the recorder did not go through the TLS relay")
        replay = self.replayer("0")
        again = client(replay.endpoint, "bedrock-runtime")
        self.assertEqual(plain(again.converse(modelId=MODEL, messages=[user("over tls")])), recorded)
        replayed, _ = read_stream(again.converse_stream(
            modelId=MODEL, messages=[user("tell it slowly")])["stream"])
        self.assertEqual(replayed, events)

    def test_an_upstream_certificate_from_an_unknown_ca_is_refused(self):
        untrusting = self.start(args=["--record-to", os.path.join(self.folder, "untrusted"),
                                      "--upstream", self.upstream_url], env=recorder_env())
        runtime = client(untrusting.endpoint, "bedrock-runtime")
        code, message, status = error_of(
            lambda: runtime.converse(modelId=MODEL, messages=[user("hi")]))
        self.assertEqual((code, status), ("InternalServerException", 500))
        self.assertIn("did not answer", message)
        self.assertEqual(recording_files(os.path.join(self.folder, "untrusted")), [])

    def test_a_bedrock_api_key_is_sent_as_bearer(self):
        before = len(self.tap.requests())
        bearer = self.start(args=["--record-to", os.path.join(self.folder, "bearer"),
                                  "--upstream", self.upstream_url, "--upstream-ca", self.ca],
                            env=recorder_env(AWS_BEARER_TOKEN_BEDROCK=BEARER))
        runtime = client(bearer.endpoint, "bedrock-runtime")
        runtime.converse(modelId=MODEL, messages=[user("with a key")])
        sent = self.tap.wait_for(before + 1)[before:]
        self.assertEqual(len(sent), 1)
        headers = sent[0][2]
        self.assertEqual(headers["authorization"], f"Bearer {BEARER}")
        self.assertNotIn("x-amz-date", headers)
        files = recording_files(os.path.join(self.folder, "bearer"))
        self.assertEqual(len(files), 1)
        with open(files[0], encoding="utf-8") as f:
            self.assertNotIn(BEARER, f.read())


class LooseMatching(unittest.TestCase):
    """--record-match model: rules match operation and model only, and replay in recorded order."""

    def test_model_matching_replays_in_order_whatever_the_prompt(self):
        folder = tempfile.mkdtemp(prefix="bedrock-loose-")
        servers = []
        try:
            upstream = harness.Emulator().start()
            servers.append(upstream)
            recorder = harness.Emulator(args=["--record-to", folder, "--upstream", upstream.endpoint,
                                              "--record-match", "model"], env=recorder_env()).start()
            servers.append(recorder)
            runtime = client(recorder.endpoint, "bedrock-runtime")
            first = plain(runtime.converse(modelId=MODEL, messages=[user("first prompt")]))
            second = plain(runtime.converse(modelId=MODEL, messages=[user("second prompt")]))
            with open(recording_files(folder)[0]) as f:
                rules = json.load(f)["rules"]
            self.assertEqual([rule["match"] for rule in rules],
                             [{"operation": "Converse", "modelId": MODEL}] * 2)
            replayer = harness.Emulator(args=["--scenarios", folder, "--replay-strict"]).start()
            servers.append(replayer)
            again = client(replayer.endpoint, "bedrock-runtime")
            self.assertEqual(plain(again.converse(modelId=MODEL, messages=[user("anything")])), first)
            self.assertEqual(plain(again.converse(modelId=MODEL, messages=[user("else")])), second)
            code, message, _ = error_of(lambda: again.converse(modelId=MODEL, messages=[user("third")]))
            self.assertEqual(code, "ValidationException")
            self.assertIn("nearest recorded exchange is rule 0", message)
        finally:
            for server in servers:
                server.stop()
            shutil.rmtree(folder, ignore_errors=True)


class RecordModeStart(unittest.TestCase):
    def test_without_credentials_record_mode_does_not_start(self):
        empty = tempfile.mkdtemp(prefix="bedrock-nocred-")
        try:
            done = subprocess.run(
                [harness.BINARY, "--port", "0", "--data-dir", os.path.join(empty, "data"),
                 "--record-to", empty, "--upstream", "http://127.0.0.1:9"],
                capture_output=True, text=True, timeout=10,
                env={"PATH": os.environ.get("PATH", ""), "HOME": empty,
                     "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
            self.assertEqual(done.returncode, 2)
            self.assertIn("record mode needs credentials", done.stderr)
        finally:
            shutil.rmtree(empty, ignore_errors=True)

    def test_a_profile_of_the_shared_credentials_file_is_used(self):
        folder = tempfile.mkdtemp(prefix="bedrock-profile-")
        try:
            path = os.path.join(folder, "credentials")
            with open(path, "w") as f:
                f.write("[default]\naws_access_key_id = AKIADEFAULTDEFAULT00\n"
                        "aws_secret_access_key = d\n\n[recorder]\n"
                        "aws_access_key_id = AKIAPROFILEPROFILE00\naws_secret_access_key = p\n")
            server = harness.Emulator(
                args=["--record-to", os.path.join(folder, "out"), "--upstream", "http://127.0.0.1:9",
                      "--log-level", "info"],
                env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                     "AWS_SESSION_TOKEN": None, "AWS_BEARER_TOKEN_BEDROCK": None,
                     "AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "recorder"})
            server.start()
            try:
                stderr = server.stderr_text()
            finally:
                server.stop()
            self.assertIn(f"credentials from {path} [recorder]", stderr)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
