"""The control plane on the runtime's port (bedrock: guardrails, foundation models, inference
profiles, tags; bedrock-agent: prompts) under hostile, large and concurrent input.

Every case holds the server to what the suite holds every case to (alive, probes within 1 s,
VmRSS and threads bounded) and asserts its own answers: the documented limits answer the
documented exception in the AWS error shape, never a 5xx; concurrent writes of one resource keep
the store consistent (unique, consecutive versions; quotas and unique names hold; a delete that
answered 202 stays deleted); POST /_emulator/reset forgets everything, a restart forgets nothing.

Run alone: python3 tests/hardening/cases_control_plane.py [--only REGEX] [-v]
(run_hardening.py runs these too once it imports this module beside the others).
"""
if __name__ == "__main__":
    # Registered once, under this module's own name, then run by the suite's runner.
    import os as _os
    import sys as _sys
    _sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
    import cases_control_plane  # noqa: F401
    import run_hardening
    _sys.exit(run_hardening.main())

import base64
import collections
import concurrent.futures
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.parse

import server as srv
from payloads import MODEL
from registry import case
from wire import Failure

ACCOUNT, REGION = "123456789012", "us-east-1"
GR_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/"
FM_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/{MODEL}"
SYSTEM_PROFILE = "us.anthropic.claude-3-haiku-20240307-v1:0"
MESSAGING = {"blockedInputMessaging": "blocked", "blockedOutputsMessaging": "blocked"}
VARIANT = {"name": "v1", "templateType": "TEXT", "modelId": MODEL,
           "templateConfiguration": {"text": {"text": "Hello {{x}}", "inputVariables": [{"name": "x"}]}}}
q = urllib.parse.quote


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.body = status, body
        self.kind = (headers.get("x-amzn-ErrorType") or "").split(":")[0] if headers else ""
        try:
            self.doc = json.loads(body) if body else None
        except ValueError:
            self.doc = None

    def __repr__(self):
        return f"{self.status} {self.kind} {self.body[:160]!r}"


def api(ctx, method, path, body=None, timeout=10.0, port=None):
    """One request on a new connection. body: dict/list (JSON), bytes/str (sent as JSON text)."""
    headers = None
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, (bytes, bytearray)):
        headers = {"Content-Type": "application/json"}
    if port is None:
        status, hdrs, data = ctx.server.http(method, path, body, headers, timeout=timeout)
    else:
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            status, hdrs, data = resp.status, resp.headers, resp.read()
        finally:
            conn.close()
    return Answer(status, hdrs, data)


def expect(answer, statuses, kinds=None, what=""):
    """The answer has one of `statuses`; a 4xx carries x-amzn-ErrorType (one of `kinds`) and a
    JSON message."""
    label = f"{what}: " if what else ""
    if answer.status not in statuses:
        raise Failure(f"{label}answered {answer!r}, expected {statuses}{' ' + str(kinds) if kinds else ''}")
    if 400 <= answer.status < 500:
        if not answer.kind:
            raise Failure(f"{label}{answer.status} without x-amzn-ErrorType")
        if kinds and answer.kind not in kinds:
            raise Failure(f"{label}{answer.status} {answer.kind}, expected {'/'.join(kinds)}")
        if not isinstance(answer.doc, dict) or not isinstance(answer.doc.get("message"), str):
            raise Failure(f"{label}{answer.status} {answer.kind} without a JSON message")
    return answer


def rejected(answer, kinds=("ValidationException",), what=""):
    return expect(answer, range(400, 500), kinds, what)


BAD_INPUT = ("ValidationException", "SerializationException")


def guardrail_body(name, **extra):
    return {"name": name, **MESSAGING, **extra}


def create_guardrail(ctx, name, **extra):
    a = expect(api(ctx, "POST", "/guardrails", guardrail_body(name, **extra)), (202,), what=f"CreateGuardrail {name}")
    return a.doc["guardrailId"]


def words(n, width=100):
    return [{"text": f"{i:05d}" + "w" * (width - 5)} for i in range(n)]


def list_all(ctx, path, key, page=1000):
    """Every item of a listing, following nextToken (at most 50 pages)."""
    items, token = [], None
    for _ in range(50):
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}maxResults={page}" + (f"&nextToken={q(token, safe='')}" if token else "")
        a = expect(api(ctx, "GET", url), (200,), what=f"GET {url[:80]}")
        items += a.doc[key]
        token = a.doc.get("nextToken")
        if not token:
            return items
    raise Failure(f"{path}: more than 50 pages")


def versions_of(ctx, gid):
    return [g["version"] for g in list_all(ctx, f"/guardrails?guardrailIdentifier={gid}", "guardrails")]


def converse_with_guardrail(ctx, gid, text="hello", version="DRAFT"):
    return api(ctx, "POST", f"/model/{MODEL}/converse",
               {"messages": [{"role": "user", "content": [{"text": text}]}],
                "guardrailConfig": {"guardrailIdentifier": gid, "guardrailVersion": version}})


def together(n, fn, barrier=True):
    """fn(i) on n threads started together; their results in order (exceptions re-raised)."""
    gate = threading.Barrier(n) if barrier else None

    def run(i):
        if gate:
            gate.wait(timeout=10)
        return fn(i)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def no_5xx(answers, what):
    bad = [a for a in answers if a.status >= 500 or a.status < 200]
    if bad:
        raise Failure(f"{what}: {len(bad)} answer(s) {bad[0]!r}")


# -- input limits ---------------------------------------------------------------------------
@case("cp-guardrail-name-limits-and-types")
def _names(ctx):
    create_guardrail(ctx, "n" * 50)
    for name, value, kinds in [("51 characters", "n" * 51, ("ValidationException",)),
                               ("unicode", "gu\u00e4rd", ("ValidationException",)),
                               ("NUL", "a\u0000b", ("ValidationException",)),
                               ("space", "a b", ("ValidationException",)),
                               ("empty", "", ("ValidationException",)),
                               ("null", None, ("ValidationException",)),
                               ("number", 7, BAD_INPUT), ("list", ["a"], BAD_INPUT),
                               ("object", {"a": 1}, BAD_INPUT), ("bool", True, BAD_INPUT)]:
        rejected(api(ctx, "POST", "/guardrails", guardrail_body(value)), kinds, f"name {name}")
    a = rejected(api(ctx, "POST", "/guardrails", guardrail_body("n" * 50)), ("ConflictException",),
                 "a second guardrail of the same name")
    if a.status != 400:
        raise Failure(f"bedrock's ConflictException answered {a.status}, not 400")
    for raw in (b"null", b"[]", b'"x"', b"7", b"{", b'{"name":"x"}garbage', b"\xff\xfe"):
        rejected(api(ctx, "POST", "/guardrails", raw), BAD_INPUT, f"body {raw!r}")


# Every CreateGuardrail member with values of every wrong JSON type: a 4xx, never a 2xx or 5xx.
WRONG = {"number": 5, "string": "x", "list": [1], "object": {"x": 1}, "bool": False}
MEMBER_TYPES = {"name": "string", "description": "string", "blockedInputMessaging": "string",
                "blockedOutputsMessaging": "string", "kmsKeyId": "string", "tags": "list",
                "topicPolicyConfig": "object", "contentPolicyConfig": "object",
                "wordPolicyConfig": "object", "sensitiveInformationPolicyConfig": "object",
                "contextualGroundingPolicyConfig": "object", "crossRegionConfig": "object"}


@case("cp-guardrail-every-member-wrong-type")
def _wrong_types(ctx):
    problems = []
    for member, right in MEMBER_TYPES.items():
        for kind, value in WRONG.items():
            if kind == right:
                continue
            body = guardrail_body(f"t{len(problems)}")
            body[member] = value
            a = api(ctx, "POST", "/guardrails", body)
            if not (400 <= a.status < 500 and a.kind in BAD_INPUT):
                problems.append(f"{member}={kind}: {a!r}")
    nested = [("wordPolicyConfig", {"wordsConfig": [{"text": 5}]}),
              ("wordPolicyConfig", {"wordsConfig": {"text": "a"}}),
              ("wordPolicyConfig", {"wordsConfig": [None]}),
              ("topicPolicyConfig", {"topicsConfig": [{"name": "t", "definition": "d", "type": "ALLOW"}]}),
              ("contentPolicyConfig", {"filtersConfig": [{"type": "HATE", "inputStrength": "MAX", "outputStrength": "LOW"}]}),
              ("sensitiveInformationPolicyConfig", {"regexesConfig": [{"name": "r", "pattern": 5, "action": "BLOCK"}]}),
              ("sensitiveInformationPolicyConfig", {"piiEntitiesConfig": [{"type": "NOT_A_TYPE", "action": "BLOCK"}]}),
              ("contextualGroundingPolicyConfig", {"filtersConfig": [{"type": "GROUNDING", "threshold": "high"}]}),
              ("tags", [{"key": "k"}]), ("tags", [{"key": None, "value": "v"}]), ("tags", ["k"])]
    for member, value in nested:
        a = api(ctx, "POST", "/guardrails", guardrail_body("nested", **{member: value}))
        if not (400 <= a.status < 500 and a.kind in BAD_INPUT):
            problems.append(f"{member}={json.dumps(value)[:60]}: {a!r}")
    if problems:
        raise Failure(f"{len(problems)} wrong-typed member(s) not refused: " + "; ".join(problems[:4]))
    if list_all(ctx, "/guardrails", "guardrails"):
        raise Failure("a refused CreateGuardrail created a guardrail")


@case("cp-guardrail-10000-words-then-10001")
def _ten_thousand(ctx):
    start = time.monotonic()
    gid = create_guardrail(ctx, "words", wordPolicyConfig={"wordsConfig": words(10_000)})
    took = time.monotonic() - start
    ctx.note(f"a 1.1 MB CreateGuardrail took {took:.2f} s")
    if took > 3:
        raise Failure(f"CreateGuardrail with 10,000 words took {took:.1f} s")
    got = expect(api(ctx, "GET", f"/guardrails/{gid}"), (200,), what="GetGuardrail")
    if len(got.doc.get("wordPolicy", {}).get("words", [])) != 10_000:
        raise Failure("GetGuardrail does not answer the 10,000 words")
    a = converse_with_guardrail(ctx, gid, "say " + "09999" + "w" * 95)
    expect(a, (200,), what="Converse with the 10,000-word guardrail")
    if a.doc.get("stopReason") != "guardrail_intervened":
        raise Failure(f"the 10,000th word did not block: stopReason {a.doc.get('stopReason')}")
    rejected(api(ctx, "POST", "/guardrails", guardrail_body("words2", wordPolicyConfig={"wordsConfig": words(10_001, 10)})),
             what="10,001 words")
    rejected(api(ctx, "POST", "/guardrails", guardrail_body("words3", wordPolicyConfig={"wordsConfig": [{"text": "w" * 101}]})),
             what="a 101-character word")


@case("cp-guardrail-regexes-re2-refuses-and-catastrophic")
def _regexes(ctx):
    def regex(pattern, name="r"):
        return {"sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": name, "pattern": pattern, "action": "BLOCK"}]}}
    for what, pattern in {"backreference": r"(a)\1", "lookahead": "(?=a)b", "lookbehind": "(?<=a)b",
                          "unbalanced": "(a", "bad class": "[z-a]", "repetition 1001": "a{1001}",
                          "nested repetition": "((a{100}){100}){100}", "possessive": "a++",
                          "501 characters": "a" * 501}.items():
        rejected(api(ctx, "POST", "/guardrails", guardrail_body("rx", **regex(pattern))), what=f"regex {what}")
    rejected(api(ctx, "POST", "/guardrails", guardrail_body("rx", sensitiveInformationPolicyConfig={
        "regexesConfig": [{"name": f"r{i}", "pattern": "a", "action": "BLOCK"} for i in range(11)]})), what="11 regexes")
    # Accepted by RE2, exponential for a backtracking engine: must cost only linear time.
    gid = create_guardrail(ctx, "catastrophic", **regex("^(a+)+$"))
    gid2 = create_guardrail(ctx, "alternation", **regex("(a|aa|aaa|a?)*b" + "x" * 480))
    for g in (gid, gid2):
        start = time.monotonic()
        a = api(ctx, "POST", f"/guardrail/{g}/version/DRAFT/apply",
                {"source": "INPUT", "content": [{"text": {"text": "a" * 20_000 + "!"}}]}, timeout=10)
        took = time.monotonic() - start
        expect(a, (200,), what="ApplyGuardrail against a catastrophic pattern")
        if took > 1.0:
            raise Failure(f"ApplyGuardrail took {took:.1f} s against a backtracking-prone pattern")


@case("cp-guardrail-quota-101")
def _quota(ctx):
    for i in range(100):
        create_guardrail(ctx, f"q{i}")
    a = rejected(api(ctx, "POST", "/guardrails", guardrail_body("q100")), ("ServiceQuotaExceededException",), "the 101st guardrail")
    if a.status != 400:
        raise Failure(f"bedrock's ServiceQuotaExceededException answered {a.status}")
    if len(list_all(ctx, "/guardrails", "guardrails", page=37)) != 100:
        raise Failure("ListGuardrails (37 a page) does not list the 100 guardrails")


@case("cp-guardrail-versions-quota-21")
def _versions_quota(ctx):
    gid = create_guardrail(ctx, "versions")
    for i in range(1, 21):
        a = expect(api(ctx, "POST", f"/guardrails/{gid}", {}), (202,), what=f"CreateGuardrailVersion {i}")
        if a.doc.get("version") != str(i):
            raise Failure(f"version {i} answered as {a.doc.get('version')}")
    rejected(api(ctx, "POST", f"/guardrails/{gid}", {}), ("ServiceQuotaExceededException",), "the 21st version")
    expect(api(ctx, "DELETE", f"/guardrails/{gid}?guardrailVersion=7"), (202,), what="DeleteGuardrail version 7")
    a = expect(api(ctx, "POST", f"/guardrails/{gid}", {}), (202,), what="a version after deleting one")
    if a.doc.get("version") != "21":
        raise Failure(f"the version after deleting 7 of 20 is {a.doc.get('version')}, not 21 (numbers are reused)")
    for v in ("0", "00000000", "100000000", "-1", "1e3", "DRAFT%20", "draft", "%00", ""):
        rejected(api(ctx, "GET", f"/guardrails/{gid}?guardrailVersion={v}"), what=f"guardrailVersion {v!r}")
    rejected(api(ctx, "DELETE", f"/guardrails/{gid}?guardrailVersion=DRAFT"), what="DeleteGuardrail of DRAFT")
    expect(api(ctx, "GET", f"/guardrails/{gid}?guardrailVersion=99999999"), (404,), ("ResourceNotFoundException",))


@case("cp-tags-limits-and-patterns")
def _tags(ctx):
    def tags(n, prefix="k"):
        return [{"key": f"{prefix}{i}", "value": "v"} for i in range(n)]
    a = rejected(api(ctx, "POST", "/guardrails", guardrail_body("t51", tags=tags(51))), ("TooManyTagsException",), "51 tags")
    if not a.doc.get("resourceName", "").startswith(GR_ARN):
        raise Failure("TooManyTagsException without resourceName")
    if list_all(ctx, "/guardrails", "guardrails"):
        raise Failure("CreateGuardrail refused for its tags created the guardrail")
    rejected(api(ctx, "POST", "/guardrails", guardrail_body("t201", tags=tags(201))), what="201 tags (the list's own limit)")
    arn = GR_ARN + create_guardrail(ctx, "tagged", tags=tags(40))
    rejected(api(ctx, "POST", "/tagResource", {"resourceARN": arn, "tags": tags(11, "x")}), ("TooManyTagsException",),
             "40 tags and 11 more")
    expect(api(ctx, "POST", "/tagResource", {"resourceARN": arn, "tags": tags(10, "x") + tags(5)}), (200,),
           what="40 tags, 10 new and 5 overwritten")
    got = expect(api(ctx, "POST", "/listTagsForResource", {"resourceARN": arn}), (200,))
    if len(got.doc["tags"]) != 50:
        raise Failure(f"{len(got.doc['tags'])} tags listed, expected 50")
    for what, tag in {"key *": {"key": "a*b", "value": "v"}, "key unicode": {"key": "\u00fc", "value": "v"},
                      "key empty": {"key": "", "value": "v"}, "key 129": {"key": "k" * 129, "value": "v"},
                      "value 257": {"key": "k", "value": "v" * 257}, "value NUL": {"key": "k", "value": "\u0000"},
                      "value newline-brace": {"key": "k", "value": "{}"}}.items():
        rejected(api(ctx, "POST", "/tagResource", {"resourceARN": arn, "tags": [tag]}), what=f"tag {what}")
    rejected(api(ctx, "POST", "/untagResource", {"resourceARN": arn, "tagKeys": ["a*"]}), what="untag key a*")
    for other in (arn.replace(ACCOUNT, "999999999999"), arn.replace(REGION, "us-west-2"), arn + "x",
                  "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefabcdef"):
        expect(api(ctx, "POST", "/listTagsForResource", {"resourceARN": other}), (404,), ("ResourceNotFoundException",),
               f"tags of {other[-40:]}")
    rejected(api(ctx, "POST", "/tagResource", {"resourceARN": "short", "tags": []}), what="a 5-character ARN")
    expect(api(ctx, "DELETE", "/guardrails/" + arn.rsplit("/", 1)[1]), (202,))
    expect(api(ctx, "POST", "/listTagsForResource", {"resourceARN": arn}), (404,), ("ResourceNotFoundException",),
           "tags of a deleted guardrail")


@case("cp-list-max-results-and-forged-tokens")
def _paging(ctx):
    ids = {create_guardrail(ctx, f"p{i}") for i in range(25)}
    for path in ("/guardrails", "/inference-profiles", "/prompts/"):
        for v in ("0", "1001", "-1", "abc", "1.5", "", "99999999999999999999", "%00", "0x10"):
            rejected(api(ctx, "GET", f"{path}?maxResults={v}"), BAD_INPUT, f"{path} maxResults={v!r}")
        tokens = ["garbage!", "%00%00", "A" * 2048, "A" * 2049, base64.b64encode(b"x:abc").decode(),
                  base64.urlsafe_b64encode(b"p:" + b"\xff" * 9).decode(), "====", "%ff%fe"]
        for t in tokens:
            a = api(ctx, "GET", f"{path}?nextToken={q(t, safe='%')}")
            if a.status >= 500 or (a.status == 200 and not t.startswith("cD")):
                raise Failure(f"{path} nextToken {t[:20]!r}: {a!r}")
            if a.status != 200:
                rejected(a, what=f"{path} nextToken {t[:20]!r}")
    seen = [g["id"] for g in list_all(ctx, "/guardrails", "guardrails", page=7)]
    if sorted(seen) != sorted(ids):
        raise Failure(f"paging 7 at a time listed {len(seen)} ({len(set(seen))} distinct) of 25")
    # A token the server made, replayed after the guardrails it pointed at are gone.
    a = expect(api(ctx, "GET", "/guardrails?maxResults=3"), (200,))
    for gid in seen[:10]:
        expect(api(ctx, "DELETE", f"/guardrails/{gid}"), (202,))
    b = expect(api(ctx, "GET", f"/guardrails?maxResults=100&nextToken={q(a.doc['nextToken'], safe='')}"), (200,))
    if {g["id"] for g in b.doc["guardrails"]} != set(seen[10:]):
        raise Failure("a replayed token after deletions skipped or repeated guardrails")


HOSTILE_IDS = ["%2F", "%00", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "abc%2Fdef", "abc%00", "ABC", "a%20b",
               "%ff", "%", "%zz", "x" * 2100, q("arn:aws:bedrock:us-east-1:123456789012:guardrail/", safe="")]


@case("cp-hostile-guardrail-identifiers")
def _ids(ctx):
    gid = create_guardrail(ctx, "target")
    others = [GR_ARN.replace(ACCOUNT, "999999999999") + gid, GR_ARN.replace(REGION, "eu-west-1") + gid,
              GR_ARN.replace("arn:aws:", "arn:aws-cn:") + gid, GR_ARN + gid + "0"]
    for other in others:
        for method, path, body in (("GET", "/guardrails/{}", None), ("PUT", "/guardrails/{}", guardrail_body("target")),
                                   ("DELETE", "/guardrails/{}", None), ("POST", "/guardrails/{}", {}),
                                   ("GET", "/guardrails?guardrailIdentifier={}", None)):
            a = api(ctx, method, path.format(q(other, safe="")), body)
            expect(a, (404,), ("ResourceNotFoundException",), f"{method} {path} with {other[-34:]}")
        if ":aws-cn:" not in other:  # the runtime ignores the partition (reported; not held here)
            expect(converse_with_guardrail(ctx, other), range(400, 500), what=f"Converse naming {other[-34:]}")
    for bad in HOSTILE_IDS:
        for method, path in (("GET", "/guardrails/"), ("DELETE", "/guardrails/"), ("PUT", "/guardrails/"),
                             ("POST", "/guardrails/"), ("GET", "/prompts/"), ("DELETE", "/inference-profiles/"),
                             ("GET", "/foundation-models/")):
            body = guardrail_body("target") if method == "PUT" else ({} if method == "POST" else None)
            suffix = "/" if path == "/prompts/" else ""
            a = api(ctx, method, path + bad + suffix, body)
            if a.status == 414 or (400 <= a.status < 500 and a.kind):
                continue
            raise Failure(f"{method} {path}{bad[:30]}: {a!r}")
    got = expect(api(ctx, "GET", f"/guardrails/{gid}"), (200,), what="the target after the hostile requests")
    if got.doc.get("name") != "target" or versions_of(ctx, gid) != ["DRAFT"]:
        raise Failure("a hostile request changed the target guardrail")


@case("cp-inference-profiles-hostile")
def _profiles(ctx):
    def create(name, source, **extra):
        return api(ctx, "POST", "/inference-profiles",
                   {"inferenceProfileName": name, "modelSource": {"copyFrom": source}, **extra})
    arn = expect(create("base", FM_ARN), (201,), what="CreateInferenceProfile").doc["inferenceProfileArn"]
    expect(create("nomodel", "arn:aws:bedrock:us-east-1::foundation-model/nope.nothing-v9:0"), (404,),
           ("ResourceNotFoundException",), "copying a model the catalog lacks")
    rejected(create("fromapp", arn), what="copying an application profile")
    expect(create("fromother", f"arn:aws:bedrock:us-east-1:999999999999:inference-profile/{SYSTEM_PROFILE}"),
           (404,), ("ResourceNotFoundException",), "copying another account's system profile")
    expect(create("fromzz", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/zz.{MODEL}"), (404,),
           ("ResourceNotFoundException",), "copying a geography the model lacks")
    rejected(create("a" * 65, FM_ARN), what="a 65-character name")
    rejected(create("b\u00e4d", FM_ARN), what="a unicode name")
    rejected(create("base", FM_ARN), ("ConflictException",), "a name in use")
    rejected(create("tags", FM_ARN, tags=[{"key": f"k{i}", "value": "v"} for i in range(51)]),
             ("TooManyTagsException",), "51 tags")
    rejected(api(ctx, "POST", "/inference-profiles", {"inferenceProfileName": "x", "modelSource": {}}), BAD_INPUT,
             "an empty modelSource union")
    rejected(api(ctx, "POST", "/inference-profiles", {"inferenceProfileName": "x",
                                                      "modelSource": {"copyFrom": FM_ARN, "other": 1}}), BAD_INPUT,
             "a modelSource with an unknown member")
    for ident in (SYSTEM_PROFILE, q(f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{SYSTEM_PROFILE}", safe=""),
                  "global.anthropic.claude-haiku-4-5-20251001-v1:0"):
        a = api(ctx, "DELETE", f"/inference-profiles/{ident}")
        rejected(a, ("ValidationException", "ResourceNotFoundException"), f"deleting system profile {ident[:40]}")
    expect(api(ctx, "GET", f"/inference-profiles/{SYSTEM_PROFILE}"), (200,), what="the system profile after the deletes")
    for ident in ("...", ":", ".", "us.", ".x", "us.nope", "abcdefabcdef", q(arn.replace(ACCOUNT, "999999999999"), safe="")):
        expect(api(ctx, "GET", f"/inference-profiles/{ident}"), (404,), ("ResourceNotFoundException",), f"profile {ident}")
    rejected(api(ctx, "GET", "/inference-profiles?type=BOGUS"), what="type=BOGUS")
    listed = list_all(ctx, "/inference-profiles?type=APPLICATION", "inferenceProfileSummaries", page=1)
    if [p["inferenceProfileArn"] for p in listed] != [arn]:
        raise Failure(f"APPLICATION profiles listed {len(listed)}, expected the one created")
    expect(api(ctx, "DELETE", f"/inference-profiles/{q(arn, safe='')}"), (200,), what="DeleteInferenceProfile")
    expect(api(ctx, "DELETE", f"/inference-profiles/{q(arn, safe='')}"), (404,), ("ResourceNotFoundException",))
    for path in ("/foundation-models?byProvider=" + "x" * 3000, "/foundation-models?byOutputModality=BOGUS",
                 "/foundation-models?byInferenceType=%00", "/foundation-models/" + q("arn:foo", safe="")):
        a = api(ctx, "GET", path)
        if a.status >= 500 or (a.status == 200 and "BOGUS" in path):
            raise Failure(f"GET {path[:50]}: {a!r}")


@case("cp-prompts-hostile-and-quotas")
def _prompts(ctx):
    def create(name, **extra):
        return api(ctx, "POST", "/prompts/", {"name": name, "variants": [VARIANT], **extra})
    first = expect(create("p0"), (201,), what="CreatePrompt").doc["id"]
    for what, name in {"101 characters": "a" * 101, "unicode": "\u00fc", "double underscore": "a__b",
                       "NUL": "a\u0000"}.items():
        rejected(create(name), what=f"prompt name {what}")
    rejected(create(None), what="a null prompt name")
    rejected(api(ctx, "POST", "/prompts/", {"name": "two", "variants": [VARIANT, VARIANT]}), what="two variants")
    rejected(create("tagsnum", tags={"k": 1}), BAD_INPUT, "a numeric tag value")
    deep_ok = '{"a":' * 400 + "1" + "}" * 400
    deep_bad = '{"a":' * 100_000 + "1" + "}" * 100_000
    for depth, doc in (("400", deep_ok), ("100000", deep_bad)):
        body = json.dumps({"name": f"deep{depth}", "variants": [{**VARIANT, "additionalModelRequestFields": "HOLE"}]})
        a = api(ctx, "POST", "/prompts/", body.replace('"HOLE"', doc))
        if a.status >= 500 or (depth == "100000" and a.status < 400):
            raise Failure(f"a prompt with a Document {depth} deep: {a!r}")
    for i in range(1, 10 + 1):
        expect(api(ctx, "POST", f"/prompts/{first}/versions", {}), (201,), what=f"CreatePromptVersion {i}")
    a = rejected(api(ctx, "POST", f"/prompts/{first}/versions", {}), ("ServiceQuotaExceededException",), "the 11th version")
    if a.status != 402:
        raise Failure(f"bedrock-agent's ServiceQuotaExceededException answered {a.status}, not 402")
    a = rejected(create("p0"), ("ConflictException",), "a prompt name in use")
    if a.status != 409:
        raise Failure(f"bedrock-agent's ConflictException answered {a.status}, not 409")
    existing = len(list_all(ctx, "/prompts/", "promptSummaries", page=100))
    for i in range(existing, 50):
        expect(create(f"q{i}"), (201,), what=f"prompt {i + 1}")
    rejected(create("q50"), ("ServiceQuotaExceededException",), "the 51st prompt")
    for v in ("0", "00000", "100000", "DRAFT1", "-1"):
        a = api(ctx, "GET", f"/prompts/{first}/?promptVersion={v}")
        if a.status == 200 or a.status >= 500:
            raise Failure(f"GetPrompt promptVersion={v!r}: {a!r}")
    arn = f"arn:aws:bedrock:{REGION}:999999999999:prompt/{first}"
    expect(api(ctx, "GET", f"/prompts/{q(arn, safe='')}/"), (404,), ("ResourceNotFoundException",), "another account's prompt ARN")
    expect(api(ctx, "DELETE", f"/prompts/{first}/?promptVersion=0"), range(400, 500), what="DeletePrompt version 0")
    expect(api(ctx, "GET", f"/prompts/{first}/?promptVersion=10"), (200,), what="version 10 after the refusals")


@case("cp-prompt-tag-keys-checked")
def _prompt_tag_keys(ctx):
    """bedrock-agent tags are a map: its keys are TagKeys (1-128 of [a-zA-Z0-9\\s._:/=+@-])."""
    accepted = []
    for what, key in {"a*": "a*", "empty": "", "129 characters": "k" * 129, "unicode": "\u00fc", "NUL": "\u0000"}.items():
        a = api(ctx, "POST", "/prompts/", {"name": f"tk{len(accepted)}x{len(key)}", "variants": [VARIANT], "tags": {key: "v"}})
        if a.status >= 500:
            raise Failure(f"tag key {what}: {a!r}")
        if a.status // 100 == 2:
            accepted.append(what)
    if accepted:
        raise Failure(f"CreatePrompt accepted tag keys the model refuses: {', '.join(accepted)} (map keys are not checked)")


# -- concurrency ----------------------------------------------------------------------------
BIG_WORDS = {"wordPolicyConfig": {"wordsConfig": words(10_000, 20)}}  # 0.3 MB: widens the windows
MID_WORDS = {"wordPolicyConfig": {"wordsConfig": words(2_000, 20)}}  # 60 KB: each copy stays small


@case("cp-concurrent-create-guardrail-version", timeout=30)
def _concurrent_versions(ctx):
    problems = []
    for attempt in range(5):
        gid = create_guardrail(ctx, f"cv{attempt}", **MID_WORDS)
        answers = [a for batch in together(8, lambda i: [api(ctx, "POST", f"/guardrails/{gid}", {}) for _ in range(4)])
                   for a in batch]
        no_5xx(answers, "CreateGuardrailVersion from 8 threads")
        answered = sorted(int(a.doc["version"]) for a in answers if a.status == 202)
        listed = [v for v in versions_of(ctx, gid) if v != "DRAFT"]
        if len(answered) != len(set(answered)):
            dup = [v for v, n in collections.Counter(answered).items() if n > 1]
            problems.append(f"round {attempt + 1}: {len(answered)} versions answered 202 but only "
                            f"{len(set(answered))} distinct (version {dup[0]} given {answered.count(dup[0])} times)")
        if len(listed) > 20:
            problems.append(f"round {attempt + 1}: {len(listed)} versions stored (quota 20)")
        if sorted(map(int, listed)) != list(range(1, len(listed) + 1)):
            problems.append(f"round {attempt + 1}: versions not consecutive: {listed}")
        if problems:
            break
        expect(api(ctx, "DELETE", f"/guardrails/{gid}"), (202,))
    if problems:
        raise Failure("; ".join(problems))


@case("cp-concurrent-create-prompt-version", timeout=30)
def _concurrent_prompt_versions(ctx):
    variant = {**VARIANT, "templateConfiguration": {"text": {"text": "Hello " * 20_000}}}
    for attempt in range(5):
        pid = expect(api(ctx, "POST", "/prompts/", {"name": f"pv{attempt}", "variants": [variant]}), (201,)).doc["id"]
        answers = [a for batch in together(8, lambda i: [api(ctx, "POST", f"/prompts/{pid}/versions", {}) for _ in range(2)])
                   for a in batch]
        no_5xx(answers, "CreatePromptVersion from 8 threads")
        answered = [a.doc["version"] for a in answers if a.status == 201]
        listed = [p["version"] for p in list_all(ctx, f"/prompts/?promptIdentifier={pid}", "promptSummaries", page=100)
                  if p["version"] != "DRAFT"]
        if len(answered) != len(set(answered)) or len(listed) > 10:
            raise Failure(f"round {attempt + 1}: 16 concurrent CreatePromptVersion: {len(answered)} answered 201 with "
                          f"{len(set(answered))} distinct versions; {len(listed)} versions stored (quota 10)")
        expect(api(ctx, "DELETE", f"/prompts/{pid}/"), (200,))


@case("cp-concurrent-create-same-name", timeout=30)
def _concurrent_names(ctx):
    body = json.dumps(guardrail_body("same", **BIG_WORDS)).encode()
    for attempt in range(3):
        answers = together(8, lambda i: api(ctx, "POST", "/guardrails", body))
        no_5xx(answers, "CreateGuardrail of one name from 8 threads")
        made = [a for a in answers if a.status == 202]
        listed = [g for g in list_all(ctx, "/guardrails", "guardrails") if g["name"] == "same"]
        if len(made) != 1 or len(listed) != 1:
            raise Failure(f"round {attempt + 1}: 8 concurrent CreateGuardrail named 'same': {len(made)} answered 202, "
                          f"{len(listed)} guardrails named 'same' listed (names must be unique)")
        expect(api(ctx, "DELETE", f"/guardrails/{listed[0]['id']}"), (202,))


@case("cp-concurrent-create-past-quota", timeout=30)
def _concurrent_quota(ctx):
    for i in range(96):
        create_guardrail(ctx, f"q{i}")
    bodies = [json.dumps(guardrail_body(f"big{i}", **BIG_WORDS)).encode() for i in range(8)]
    answers = together(8, lambda i: api(ctx, "POST", "/guardrails", bodies[i]))
    no_5xx(answers, "CreateGuardrail from 8 threads at 96 guardrails")
    listed = len(list_all(ctx, "/guardrails", "guardrails"))
    made = sum(a.status == 202 for a in answers)
    if listed > 100 or made > 4:
        raise Failure(f"at 96 guardrails, 8 concurrent creates: {made} answered 202, {listed} guardrails stored (quota 100)")


@case("cp-update-racing-delete", timeout=30)
def _update_delete(ctx):
    body = json.dumps(guardrail_body("ud", **BIG_WORDS)).encode()
    outcomes = collections.Counter()
    deadline = time.monotonic() + 12
    for trial in range(40):
        if time.monotonic() > deadline:
            break
        gid = create_guardrail(ctx, "ud")
        delay = 0.001 * (trial % 20)

        def run(i):
            if i == 0:
                return api(ctx, "PUT", f"/guardrails/{gid}", body)
            time.sleep(delay)
            return api(ctx, "DELETE", f"/guardrails/{gid}")
        update, delete = together(2, run)
        no_5xx([update, delete], "UpdateGuardrail racing DeleteGuardrail")
        after = api(ctx, "GET", f"/guardrails/{gid}")
        outcomes[(update.status, delete.status, after.status)] += 1
        if delete.status == 202 and after.status == 200:
            listed = [g for g in list_all(ctx, "/guardrails", "guardrails") if g["id"] == gid]
            raise Failure(f"trial {trial + 1} (delete {delay * 1000:.0f} ms after the update): DeleteGuardrail answered "
                          f"202, UpdateGuardrail {update.status}, and the guardrail is back afterwards (GetGuardrail 200, "
                          f"listed {len(listed)}): the update wrote the DRAFT it had read before the delete")
        if after.status == 200:
            expect(api(ctx, "DELETE", f"/guardrails/{gid}"), (202,))
    ctx.note(f"outcomes (update, delete, get): {dict(outcomes)}")


@case("cp-chaos-8-threads-one-guardrail", timeout=30)
def _chaos(ctx):
    current = {"id": None}
    created, lock = [], threading.Lock()

    def make():
        a = api(ctx, "POST", "/guardrails", guardrail_body("chaos", wordPolicyConfig={"wordsConfig": [{"text": "forbidden"}]}))
        if a.status == 202:
            with lock:
                created.append(a.doc["guardrailId"])
            current["id"] = a.doc["guardrailId"]
        return a
    make()
    stop = time.monotonic() + 4.0
    counts = collections.Counter()

    def worker(i):
        import random
        rnd, out = random.Random(i), []
        while time.monotonic() < stop:
            gid = current["id"]
            op = rnd.choice(["get", "update", "delete", "version", "delete-version", "create", "list", "tag",
                             "apply", "converse", "converse-v1"])
            if op == "get":
                a = api(ctx, "GET", f"/guardrails/{gid}")
            elif op == "update":
                a = api(ctx, "PUT", f"/guardrails/{gid}", guardrail_body("chaos", description=f"by {i}"))
            elif op == "delete":
                a = api(ctx, "DELETE", f"/guardrails/{gid}") if rnd.random() < 0.25 else None
            elif op == "delete-version":
                a = api(ctx, "DELETE", f"/guardrails/{gid}?guardrailVersion={rnd.randint(1, 4)}")
            elif op == "version":
                a = api(ctx, "POST", f"/guardrails/{gid}", {"description": f"v by {i}"})
            elif op == "create":
                a = make()
            elif op == "list":
                a = api(ctx, "GET", f"/guardrails?guardrailIdentifier={gid}")
            elif op == "tag":
                a = api(ctx, "POST", "/tagResource", {"resourceARN": GR_ARN + gid,
                                                      "tags": [{"key": f"k{rnd.randrange(70)}", "value": "v"}]})
            elif op == "apply":
                a = api(ctx, "POST", f"/guardrail/{gid}/version/DRAFT/apply",
                        {"source": "INPUT", "content": [{"text": {"text": "a forbidden word"}}]})
            else:
                a = converse_with_guardrail(ctx, gid, "a forbidden word", "1" if op == "converse-v1" else "DRAFT")
            if a is not None:
                counts[(op, a.status)] += 1
                out.append(a)
        return out
    answers = [a for batch in together(8, worker) for a in batch]
    ctx.note(f"{len(answers)} requests")
    no_5xx(answers, "8 threads on one guardrail")
    bad = [a for a in answers if 400 <= a.status < 500 and not a.kind]
    if bad:
        raise Failure(f"a 4xx without x-amzn-ErrorType: {bad[0]!r}")
    listed = list_all(ctx, "/guardrails", "guardrails")
    names = collections.Counter(g["name"] for g in listed)
    for gid in created:
        a = api(ctx, "GET", f"/guardrails/{gid}")
        expect(a, (200, 404), what=f"GetGuardrail {gid} after the storm")
        versions = [int(v) for v in versions_of(ctx, gid) if v != "DRAFT"] if a.status == 200 else []
        if len(versions) > 20 or len(set(versions)) != len(versions):
            raise Failure(f"{gid}: versions {versions} after the storm")
        tags = api(ctx, "POST", "/listTagsForResource", {"resourceARN": GR_ARN + gid})
        if tags.status == 200 and len(tags.doc["tags"]) > 50:
            raise Failure(f"{gid} carries {len(tags.doc['tags'])} tags (limit 50)")
    if names.get("chaos", 0) > 1:
        raise Failure(f"{names['chaos']} guardrails named 'chaos' after the storm (names must be unique)")


@case("cp-converse-while-guardrail-deleted", timeout=30)
def _converse_deleting(ctx):
    stop = time.monotonic() + 3.0
    ids = []

    def writer():
        out = []
        while time.monotonic() < stop:
            a = api(ctx, "POST", "/guardrails", guardrail_body(f"cd{len(ids)}", **BIG_WORDS))
            out.append(a)
            if a.status == 202:
                ids.append(a.doc["guardrailId"])
                time.sleep(0.02)
                out.append(api(ctx, "DELETE", f"/guardrails/{ids[-1]}"))
        return out

    def reader(i):
        out = []
        while time.monotonic() < stop:
            if ids:
                a = converse_with_guardrail(ctx, ids[-1], "00042" + "w" * 15)
                out.append(a)
                if a.status == 200 and a.doc.get("stopReason") not in ("guardrail_intervened",):
                    raise Failure(f"Converse with a live 10,000-word guardrail was not blocked: {a.doc.get('stopReason')}")
                if a.status != 200:
                    rejected(a, ("ValidationException", "ResourceNotFoundException"), "Converse naming a deleted guardrail")
            else:
                time.sleep(0.01)
        return out
    answers = [a for batch in together(5, lambda i: writer() if i == 0 else reader(i)) for a in batch]
    no_5xx(answers, "Converse with a guardrail deleted meanwhile")
    ctx.note(f"{len(ids)} guardrails made and deleted, {len(answers)} requests")
    if list_all(ctx, "/guardrails", "guardrails"):
        raise Failure("guardrails left after every one was deleted")


# -- reset and restart ----------------------------------------------------------------------
def populate(ctx, port=None, tag="r"):
    gid = expect(api(ctx, "POST", "/guardrails", guardrail_body(f"{tag}g", wordPolicyConfig={"wordsConfig": [{"text": "zebra"}]},
                                                                  tags=[{"key": "team", "value": "a"}]), port=port),
                 (202,), what="CreateGuardrail").doc["guardrailId"]
    expect(api(ctx, "POST", f"/guardrails/{gid}", {"description": "first"}, port=port), (202,), what="CreateGuardrailVersion")
    prompt = expect(api(ctx, "POST", "/prompts/", {"name": f"{tag}p", "variants": [VARIANT], "tags": {"t": "v"}}, port=port),
                    (201,), what="CreatePrompt").doc["id"]
    expect(api(ctx, "POST", f"/prompts/{prompt}/versions", {}, port=port), (201,), what="CreatePromptVersion")
    profile = expect(api(ctx, "POST", "/inference-profiles", {"inferenceProfileName": f"{tag}i", "modelSource": {"copyFrom": FM_ARN},
                                                              "tags": [{"key": "team", "value": "b"}]}, port=port),
                     (201,), what="CreateInferenceProfile").doc["inferenceProfileArn"]
    return gid, prompt, profile


@case("cp-reset-during-traffic", timeout=30)
def _reset_traffic(ctx):
    stop = time.monotonic() + 3.0
    made = collections.Counter()

    def worker(i):
        out = []
        n = 0
        while time.monotonic() < stop:
            n += 1
            if i == 0:
                a = api(ctx, "POST", "/_emulator/reset")
                if a.status // 100 != 2:
                    raise Failure(f"reset during traffic answered {a!r}")
                time.sleep(0.15)
                continue
            kind = (i + n) % 4
            if kind == 0:
                a = api(ctx, "POST", "/guardrails", guardrail_body(f"w{i}n{n}", tags=[{"key": "k", "value": "v"}]))
                if a.status == 202:
                    out.append(api(ctx, "POST", f"/guardrails/{a.doc['guardrailId']}", {}))
            elif kind == 1:
                a = api(ctx, "POST", "/prompts/", {"name": f"w{i}n{n}", "variants": [VARIANT]})
            elif kind == 2:
                a = api(ctx, "POST", "/inference-profiles", {"inferenceProfileName": f"w{i}n{n}", "modelSource": {"copyFrom": FM_ARN}})
            else:
                a = api(ctx, "GET", "/guardrails?maxResults=5")
            made[(kind, a.status)] += 1
            out.append(a)
        return out
    answers = [a for batch in together(6, worker) for a in batch]
    no_5xx(answers, "control-plane writes during resets")
    ctx.note(f"{len(answers)} requests around resets")
    # The workers kept creating after the last reset of the traffic (up to 0.15 s of writes,
    # past the prompt quota of 50 on a fast run): start the check from a reset of its own.
    expect(api(ctx, "POST", "/_emulator/reset"), (200, 204))
    populate(ctx)
    expect(api(ctx, "POST", "/_emulator/reset"), (200, 204))
    left = {"guardrails": list_all(ctx, "/guardrails", "guardrails"),
            "prompts": list_all(ctx, "/prompts/", "promptSummaries", page=100),
            "profiles": list_all(ctx, "/inference-profiles?type=APPLICATION", "inferenceProfileSummaries")}
    left = {k: len(v) for k, v in left.items() if v}
    if left:
        raise Failure(f"after reset: {left}")
    # Names and quotas are free again, and the system profiles are still there.
    populate(ctx)
    expect(api(ctx, "GET", f"/inference-profiles/{SYSTEM_PROFILE}"), (200,), what="a system profile after reset")


def copy_data(src):
    def setup(data_dir):
        for name in os.listdir(src):
            shutil.copy2(os.path.join(src, name), os.path.join(data_dir, name))
    return setup


@case("cp-restart-keeps-everything", timeout=30)
def _restart(ctx):
    keep = tempfile.mkdtemp(prefix="bedrock-hardening-cp-")
    first = second = None
    try:
        first = srv.Server(scenarios={})
        gid, prompt, profile = populate(ctx, port=first.port, tag="keep")
        before = {
            "g": api(ctx, "GET", f"/guardrails/{gid}?guardrailVersion=1", port=first.port).doc,
            "p": api(ctx, "GET", f"/prompts/{prompt}/?promptVersion=1", port=first.port).doc,
            "i": api(ctx, "GET", f"/inference-profiles/{q(profile, safe='')}", port=first.port).doc,
        }
        if first.terminate(first.grace + 1.0) is None:
            raise Failure("the first server did not exit after SIGTERM")
        for name in os.listdir(first.data_dir):
            shutil.copy2(os.path.join(first.data_dir, name), os.path.join(keep, name))
        second = srv.Server(scenarios={}, data_setup=copy_data(keep))
        p = second.port
        after = {
            "g": api(ctx, "GET", f"/guardrails/{gid}?guardrailVersion=1", port=p).doc,
            "p": api(ctx, "GET", f"/prompts/{prompt}/?promptVersion=1", port=p).doc,
            "i": api(ctx, "GET", f"/inference-profiles/{q(profile, safe='')}", port=p).doc,
        }
        changed = [k for k in before if before[k] != after[k]]
        if changed:
            raise Failure(f"after a restart these differ: {changed} ({json.dumps(after[changed[0]])[:120]})")
        tags = api(ctx, "POST", "/listTagsForResource", {"resourceARN": GR_ARN + gid}, port=p)
        if tags.status != 200 or tags.doc["tags"] != [{"key": "team", "value": "a"}]:
            raise Failure(f"guardrail tags after a restart: {tags!r}")
        a = api(ctx, "POST", f"/model/{MODEL}/converse", {"messages": [{"role": "user", "content": [{"text": "a zebra"}]}],
                                                          "guardrailConfig": {"guardrailIdentifier": gid, "guardrailVersion": "1"}}, port=p)
        if a.status != 200 or a.doc.get("stopReason") != "guardrail_intervened":
            raise Failure(f"the restored guardrail does not apply: {a!r}")
        a = api(ctx, "POST", f"/model/{q(profile, safe='')}/converse",
                {"messages": [{"role": "user", "content": [{"text": "hi"}]}]}, port=p)
        expect(a, (200,), what="Converse through the restored application profile")
        expect(api(ctx, "POST", "/guardrails", guardrail_body("keepg"), port=p), (400,), ("ConflictException",),
               "the restored name is still taken")
        v = expect(api(ctx, "POST", f"/guardrails/{gid}", {}, port=p), (202,), what="a version after the restart")
        if v.doc.get("version") != "2":
            raise Failure(f"the first version after a restart is {v.doc.get('version')}, not 2")
    finally:
        for s in (first, second):
            if s is not None:
                s.close()
        shutil.rmtree(keep, ignore_errors=True)


# -- memory ---------------------------------------------------------------------------------
def db_bytes(data_dir):
    return sum(os.path.getsize(os.path.join(data_dir, n)) for n in os.listdir(data_dir) if n.startswith("bedrock-emulator.db"))


@case("cp-memory-20-versions-of-10000-words", fresh=True, timeout=30, measures_allocator=True)
def _memory_versions(ctx):
    """One guardrail at the documented limits (10,000 words of 100 characters: a 1.1 MB request)
    and its 20 versions (2-byte requests): what a client within the quotas may keep."""
    before = ctx.server.status()["VmRSS"]
    gid = create_guardrail(ctx, "heavy", wordPolicyConfig={"wordsConfig": words(10_000)})
    after_create = ctx.server.status()["VmRSS"]
    last = 0
    for i in range(20):
        last = int(expect(api(ctx, "POST", f"/guardrails/{gid}", {}), (202,),
                          what=f"CreateGuardrailVersion {i + 1}").doc["version"])
        if ctx.server.status()["VmRSS"] > 400:
            break  # enough to fail; the suite's watchdog is not needed
    expect(converse_with_guardrail(ctx, gid, "hello", str(last)), (200,), what=f"Converse with version {last}")
    st = ctx.server.status()
    ctx.note(f"VmRSS {before:.0f} MB, {after_create:.0f} MB after the create, {st['VmRSS']:.0f} MB after {last} versions "
             f"and a Converse (VmHWM {st['VmHWM']:.0f} MB)")
    if st["VmHWM"] - before > 200:
        raise Failure(f"one 1.1 MB guardrail and {last} empty CreateGuardrailVersion requests took VmRSS from {before:.0f} to "
                      f"{st['VmHWM']:.0f} MB (VmHWM; {after_create - before:.0f} MB for the guardrail alone)")


@case("cp-unknown-members-not-stored", fresh=True, timeout=30)
def _unknown_members(ctx):
    """Members the model does not define are not part of the guardrail: they must not be kept
    (and copied into every version)."""
    junk = "j" * (4 << 20)
    base = db_bytes(ctx.server.data_dir)
    gid = create_guardrail(ctx, "junk", notAMember={"data": junk}, anotherOne=[junk[:1000]] * 100)
    got = expect(api(ctx, "GET", f"/guardrails/{gid}"), (200,))
    if "notAMember" in got.body.decode("utf-8", "replace"):
        raise Failure("GetGuardrail answers an unknown member")
    for _ in range(5):
        expect(api(ctx, "POST", f"/guardrails/{gid}", {}), (202,))
    grown = db_bytes(ctx.server.data_dir) - base
    rss = ctx.server.status()["VmRSS"]
    ctx.note(f"database grew {grown / (1 << 20):.1f} MB, VmRSS {rss:.0f} MB")
    if grown > 2 << 20:
        raise Failure(f"a guardrail with 4.1 MB of unknown members and 5 versions grew the database by "
                      f"{grown / (1 << 20):.0f} MB (the unknown members are stored, once per version)")
