"""Sends a golden's request to the running emulator as the AWS SDK would (SigV4-signed HTTP/1.1)
and returns what came back unparsed enough to compare shapes: status, headers, the raw body,
and for event streams every frame's headers and JSON payload (the SDKs drop unmodelled members
such as the "p" padding, so the frames are decoded here with botocore's own parser)."""
import http.client
import json
import os
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer

MODEL_PATHS = {
    "Converse": "converse",
    "ConverseStream": "converse-stream",
    "InvokeModel": "invoke",
    "InvokeModelWithResponseStream": "invoke-with-response-stream",
    "CountTokens": "count-tokens",
}
STREAMING = {"ConverseStream", "InvokeModelWithResponseStream"}


class Reply:
    def __init__(self, status, headers, raw, events):
        self.status = status
        self.headers = headers  # {lower-case name: value}
        self.raw = raw
        self.events = events  # None for unary answers

    def json(self):
        try:
            return json.loads(self.raw)
        except ValueError:
            return None


def signed_headers(method, url, body, extra):
    request = AWSRequest(method=method, url=url, data=body, headers=extra)
    credentials = Credentials(os.environ.get("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                              os.environ.get("AWS_SECRET_ACCESS_KEY", "secret"),
                              os.environ.get("AWS_SESSION_TOKEN"))
    SigV4Auth(credentials, "bedrock", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def quoted(value):
    return urllib.parse.quote(str(value), safe="")


def path_for(operation, request):
    """The method and REST path of a golden's request: model operations name the model,
    ApplyGuardrail the guardrail and its version, GetAsyncInvoke the invocation ARN (the SDKs
    move those members from the input into the path)."""
    if operation in MODEL_PATHS:
        return "POST", f"/model/{quoted(request['modelId'])}/{MODEL_PATHS[operation]}"
    if operation == "ApplyGuardrail":
        return "POST", (f"/guardrail/{quoted(request['guardrailIdentifier'])}"
                        f"/version/{quoted(request['guardrailVersion'])}/apply")
    if operation == "StartAsyncInvoke":
        return "POST", "/async-invoke"
    if operation == "GetAsyncInvoke":
        return "GET", f"/async-invoke/{quoted(request['invocationArn'])}"
    if operation == "ListAsyncInvokes":
        query = urllib.parse.urlencode(request.get("query", {}))
        return "GET", "/async-invoke" + (f"?{query}" if query else "")
    raise ValueError(f"no path for operation {operation}")


def send(port, operation, request, timeout=30.0):
    method, path = path_for(operation, request)
    data = json.dumps(request["body"]).encode() if method == "POST" else b""
    extra = {"Content-Type": "application/json"} if method == "POST" else {}
    if operation.startswith("InvokeModel"):
        extra["Accept"] = "application/json"  # what the SDKs send for accept="application/json"
    headers = signed_headers(method, f"http://127.0.0.1:{port}{path}", data, extra)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data or None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        events = None
        if operation in STREAMING and response.status == 200:
            events = parse_events(raw)
        return Reply(response.status, reply_headers, raw, events)
    finally:
        conn.close()


def parse_events(raw):
    buffer = EventStreamBuffer()
    buffer.add_data(raw)
    events = []
    for message in buffer:
        payload = message.payload
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        headers = {k: (v if isinstance(v, str) else str(v)) for k, v in message.headers.items()}
        events.append({"headers": headers, "payload": parsed, "raw": payload})
    return events
