"""boto3 against the control plane on the runtime's port: service `bedrock` (guardrails, foundation
models, inference profiles, tagging) and service `bedrock-agent` (prompts); what they create is
used at once by the runtime (ApplyGuardrail, Converse, ConverseStream, InvokeModel), survives a
restart on the same --data-dir, and goes with POST /_emulator/reset."""
import datetime
import json
import os
import re
import shutil
import tempfile
import unittest
import uuid
from unittest import mock

import boto3
import botocore.exceptions
from botocore.config import Config

import harness
from harness import user

ACCOUNT = "123456789012"  # the emulator's default --account-id
REGION = "us-east-1"
BLOCKED_INPUT = "Sorry, zeus is off limits."
BLOCKED_OUTPUT = "Sorry, I can't say that."
NOT_FOUND = "ResourceNotFoundException"
GUARDRAIL_ARN = re.compile(rf"^arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/([a-z0-9]{{12}})$")
PROFILE_ARN = re.compile(rf"^arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/([a-z0-9]{{12}})$")
PROMPT_ARN = re.compile(rf"^arn:aws:bedrock:{REGION}:{ACCOUNT}:prompt/([0-9a-zA-Z]{{10}})$")


def text_model():
    """An on-demand, live Anthropic text model of the catalog that converses and streams."""
    return next(m["id"] for m in harness.load_catalog()
                if m["onDemand"] and "lifecycle" not in m and m["provider"] == "Anthropic"
                and {"converse", "streaming"} <= set(m["features"]))


MODEL = text_model()
MODEL_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/{MODEL}"


def make_client(emulator, service, **config):
    return boto3.client(
        service, region_name=REGION, endpoint_url=emulator.endpoint,
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=os.environ["AWS_SESSION_TOKEN"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                      **config))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def text_of(response):
    return "".join(block.get("text", "") for block in response["output"]["message"]["content"])


def guardrail_args(name, word="zeus", **extra):
    return {"name": name, "description": "control plane tests",
            "wordPolicyConfig": {"wordsConfig": [{"text": word}]},
            "blockedInputMessaging": BLOCKED_INPUT, "blockedOutputsMessaging": BLOCKED_OUTPUT, **extra}


def prompt_variants(text="Tell me about {{topic}}"):
    return [{"name": "v1", "templateType": "TEXT", "modelId": MODEL,
             "templateConfiguration": {"text": {"text": text, "inputVariables": [{"name": "topic"}]}}}]


def walk(call, key, **kwargs):
    """Every page of a paginated list call: (items, pages)."""
    items, pages, token = [], [], None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        pages.append(page[key])
        items.extend(page[key])
        token = page.get("nextToken")
        if not token:
            return items, pages
        if len(pages) > 1000:
            raise AssertionError("pagination does not end")


class ControlPlaneClients:
    """Mixin: bedrock / bedrock-agent clients on self.emulator, and helpers on them."""

    def error_code(self, call, *codes):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call()
        code = caught.exception.response["Error"]["Code"]
        self.assertIn(code, codes, caught.exception.response["Error"].get("Message"))
        return code

    def create_guardrail(self, word="zeus", **extra):
        response = self.bedrock.create_guardrail(**guardrail_args(unique("gr"), word, **extra))
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 202)
        return response

    def apply(self, identifier, version, text):
        return self.client.apply_guardrail(guardrailIdentifier=identifier, guardrailVersion=version,
                                           source="INPUT", content=[{"text": {"text": text}}])

    def assert_blocks(self, identifier, version, text, blocked=True):
        response = self.apply(identifier, version, text)
        if blocked:
            self.assertEqual(response["action"], "GUARDRAIL_INTERVENED", (version, text))
            self.assertEqual(response["outputs"], [{"text": BLOCKED_INPUT}])
        else:
            self.assertEqual(response["action"], "NONE", (version, text))

    def create_prompt(self):
        response = self.agent.create_prompt(name=unique("prompt"), description="tests", defaultVariant="v1",
                                            variants=prompt_variants())
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 201)
        return response

    def create_profile(self, name=None, source=MODEL_ARN, **extra):
        response = self.bedrock.create_inference_profile(inferenceProfileName=name or unique("mine"),
                                                         modelSource={"copyFrom": source}, **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 201)
        return response

    def assert_converses(self, model_id, **extra):
        response = self.client.converse(modelId=model_id, **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(response["output"]["message"]["role"], "assistant")
        self.assertTrue(text_of(response))
        return response


class ControlPlaneTest(ControlPlaneClients, harness.EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bedrock = make_client(cls.emulator, "bedrock")
        cls.agent = make_client(cls.emulator, "bedrock-agent")
        cls.lax = make_client(cls.emulator, "bedrock", parameter_validation=False)

    @classmethod
    def tearDownClass(cls):
        for c in (cls.bedrock, cls.agent, cls.lax):
            c.close()
        super().tearDownClass()

    # -- guardrails ------------------------------------------------------------------------
    def test_create_guardrail_answers_id_arn_and_draft(self):
        response = self.create_guardrail(tags=[{"key": "team", "value": "tests"}])
        self.assertRegex(response["guardrailId"], r"^[a-z0-9]{12}$")
        match = GUARDRAIL_ARN.match(response["guardrailArn"])
        self.assertIsNotNone(match, response["guardrailArn"])
        self.assertEqual(match.group(1), response["guardrailId"])
        self.assertEqual(response["version"], "DRAFT")
        self.assertIsInstance(response["createdAt"], datetime.datetime)

    def test_get_guardrail_draft_is_ready(self):
        created = self.create_guardrail()
        got = self.bedrock.get_guardrail(guardrailIdentifier=created["guardrailId"], guardrailVersion="DRAFT")
        self.assertEqual(got["status"], "READY")
        self.assertEqual(got["version"], "DRAFT")
        self.assertEqual(got["guardrailId"], created["guardrailId"])
        self.assertEqual(got["guardrailArn"], created["guardrailArn"])
        self.assertTrue(got["name"].startswith("gr-"))
        self.assertEqual([w["text"] for w in got["wordPolicy"]["words"]], ["zeus"])
        self.assertEqual(got["blockedInputMessaging"], BLOCKED_INPUT)
        self.assertEqual(got["blockedOutputsMessaging"], BLOCKED_OUTPUT)
        # By ARN, and without a version (the DRAFT), the same guardrail.
        self.assertEqual(self.bedrock.get_guardrail(guardrailIdentifier=created["guardrailArn"])["version"], "DRAFT")

    def test_guardrail_version_applies_and_guards_converse(self):
        gid = self.create_guardrail()["guardrailId"]
        version = self.bedrock.create_guardrail_version(guardrailIdentifier=gid, description="first")
        self.assertEqual(version["version"], "1")
        self.assertEqual(version["guardrailId"], gid)
        response = self.apply(gid, "1", "Tell me about zeus and his thunderbolts.")
        self.assertEqual(response["action"], "GUARDRAIL_INTERVENED")
        self.assertEqual(response["outputs"], [{"text": BLOCKED_INPUT}])
        self.assert_blocks(gid, "1", "Tell me about otters.", blocked=False)
        answer = self.client.converse(modelId=MODEL, messages=[user("What does zeus rule?")],
                                      guardrailConfig={"guardrailIdentifier": gid, "guardrailVersion": "1"})
        self.assertEqual(answer["stopReason"], "guardrail_intervened")
        self.assertEqual(text_of(answer), BLOCKED_INPUT)

    def test_update_changes_the_draft_at_once_but_not_version_1(self):
        gid = self.create_guardrail()["guardrailId"]
        self.bedrock.create_guardrail_version(guardrailIdentifier=gid)
        updated = self.bedrock.update_guardrail(guardrailIdentifier=gid, **guardrail_args(unique("gr"), "hera"))
        self.assertEqual(updated["guardrailId"], gid)
        self.assertEqual(updated["version"], "DRAFT")
        self.assert_blocks(gid, "DRAFT", "a hymn to hera")
        self.assert_blocks(gid, "DRAFT", "a hymn to zeus", blocked=False)
        self.assert_blocks(gid, "1", "a hymn to zeus")
        self.assert_blocks(gid, "1", "a hymn to hera", blocked=False)
        words = self.bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")["wordPolicy"]["words"]
        self.assertEqual([w["text"] for w in words], ["zeus"])

    def test_list_guardrails_drafts_and_versions(self):
        gid = self.create_guardrail()["guardrailId"]
        self.bedrock.create_guardrail_version(guardrailIdentifier=gid)
        listed, _ = walk(self.bedrock.list_guardrails, "guardrails")
        mine = [g for g in listed if g["id"] == gid]
        self.assertEqual(len(mine), 1, listed)
        self.assertEqual(mine[0]["version"], "DRAFT")
        self.assertEqual({g["version"] for g in listed}, {"DRAFT"})
        self.assertTrue(GUARDRAIL_ARN.match(mine[0]["arn"]))
        self.assertEqual(mine[0]["status"], "READY")
        versions = self.bedrock.list_guardrails(guardrailIdentifier=gid)["guardrails"]
        self.assertEqual({g["id"] for g in versions}, {gid})
        self.assertIn("1", {g["version"] for g in versions})
        self.assertLessEqual({g["version"] for g in versions}, {"DRAFT", "1"})

    def test_list_guardrails_pages_one_at_a_time(self):
        ids = {self.create_guardrail()["guardrailId"] for _ in range(3)}
        items, pages = walk(self.bedrock.list_guardrails, "guardrails", maxResults=1)
        self.assertTrue(all(len(page) == 1 for page in pages), pages)
        walked = [g["id"] for g in items]
        self.assertEqual(len(walked), len(set(walked)), walked)
        self.assertLessEqual(ids, set(walked))
        self.assertEqual(sorted(walked), sorted(g["id"] for g in walk(self.bedrock.list_guardrails, "guardrails",
                                                                      maxResults=1000)[0]))

    def test_delete_a_version_then_the_whole_guardrail(self):
        gid = self.create_guardrail()["guardrailId"]
        self.bedrock.create_guardrail_version(guardrailIdentifier=gid)
        self.bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
        self.error_code(lambda: self.bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1"), NOT_FOUND)
        self.error_code(lambda: self.apply(gid, "1", "zeus"), NOT_FOUND)
        self.assertEqual(self.bedrock.get_guardrail(guardrailIdentifier=gid)["status"], "READY")
        self.assert_blocks(gid, "DRAFT", "zeus")
        self.bedrock.delete_guardrail(guardrailIdentifier=gid)
        self.error_code(lambda: self.bedrock.get_guardrail(guardrailIdentifier=gid), NOT_FOUND)
        self.error_code(lambda: self.apply(gid, "DRAFT", "zeus"), NOT_FOUND)
        self.assertNotIn(gid, {g["id"] for g in walk(self.bedrock.list_guardrails, "guardrails")[0]})

    def test_same_name_twice_conflicts(self):
        name = unique("twin")
        self.bedrock.create_guardrail(**guardrail_args(name))
        self.error_code(lambda: self.bedrock.create_guardrail(**guardrail_args(name)), "ConflictException")

    def test_bad_guardrail_input_is_a_validation_exception(self):
        missing = guardrail_args(unique("gr"))
        del missing["blockedInputMessaging"]
        for label, args in [("space in name", guardrail_args("has space")),
                            ("51-char name", guardrail_args("n" * 51)),
                            ("no blockedInputMessaging", missing)]:
            with self.subTest(label):
                self.error_code(lambda: self.lax.create_guardrail(**args), "ValidationException")

    # -- foundation models -----------------------------------------------------------------
    def test_list_foundation_models(self):
        models = self.bedrock.list_foundation_models()["modelSummaries"]
        self.assertTrue(models)
        for m in models:
            self.assertEqual(m["modelArn"], f"arn:aws:bedrock:{REGION}::foundation-model/{m['modelId']}")
            self.assertTrue(m["providerName"])
            self.assertTrue(m["inputModalities"])
            self.assertTrue(m["outputModalities"])
            self.assertIn(m["modelLifecycle"]["status"], {"ACTIVE", "LEGACY"})
        ids = {m["modelId"] for m in models}
        self.assertIn(MODEL, ids)
        self.assertLessEqual(ids, {m["id"] for m in harness.load_catalog()})

    def test_list_foundation_models_by_provider_and_output_modality(self):
        anthropic = self.bedrock.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
        self.assertIn(MODEL, {m["modelId"] for m in anthropic})
        self.assertEqual({m["providerName"] for m in anthropic}, {"Anthropic"})
        embeddings = self.bedrock.list_foundation_models(byOutputModality="EMBEDDING")["modelSummaries"]
        self.assertIn("amazon.titan-embed-text-v2:0", {m["modelId"] for m in embeddings})
        self.assertTrue(all("EMBEDDING" in m["outputModalities"] for m in embeddings), embeddings)
        self.assertNotIn(MODEL, {m["modelId"] for m in embeddings})

    def test_get_foundation_model_and_an_unknown_one(self):
        first = self.bedrock.list_foundation_models()["modelSummaries"][0]
        details = self.bedrock.get_foundation_model(modelIdentifier=first["modelId"])["modelDetails"]
        self.assertEqual(details["modelId"], first["modelId"])
        self.assertEqual(details["modelArn"], first["modelArn"])
        code = self.error_code(lambda: self.bedrock.get_foundation_model(modelIdentifier="acme.nosuch-model-v1:0"),
                               NOT_FOUND, "ValidationException")
        print(f"\n[control plane] GetFoundationModel of an unknown id raised {code}")

    def test_a_listed_on_demand_text_model_converses(self):
        catalog = {m["id"]: m for m in harness.load_catalog()}
        candidates = [m for m in self.bedrock.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
                      if "ON_DEMAND" in m.get("inferenceTypesSupported", []) and "TEXT" in m["outputModalities"]
                      and m.get("responseStreamingSupported") and m["modelLifecycle"]["status"] == "ACTIVE"
                      and "converse" in catalog.get(m["modelId"], {}).get("features", [])]
        self.assertTrue(candidates)
        model_id = candidates[0]["modelId"]
        self.assert_converses(model_id, messages=[user("Hello")], inferenceConfig={"maxTokens": 32})
        events = list(self.client.converse_stream(modelId=model_id, messages=[user("Hello")])["stream"])
        self.assertIn("messageStop", events[-2])

    # -- inference profiles ----------------------------------------------------------------
    def test_system_defined_inference_profiles(self):
        profiles, _ = walk(self.bedrock.list_inference_profiles, "inferenceProfileSummaries", typeEquals="SYSTEM_DEFINED")
        self.assertTrue(profiles)
        self.assertEqual({p["type"] for p in profiles}, {"SYSTEM_DEFINED"})
        self.assertTrue(all(p["models"] for p in profiles))
        wanted = f"us.{MODEL}"
        self.assertIn(wanted, {p["inferenceProfileId"] for p in profiles})
        self.assertTrue(any(p["inferenceProfileId"].startswith("us.anthropic.") for p in profiles))
        got = self.bedrock.get_inference_profile(inferenceProfileIdentifier=wanted)
        self.assertEqual(got["inferenceProfileId"], wanted)
        self.assertEqual(got["type"], "SYSTEM_DEFINED")
        self.assertEqual(got["status"], "ACTIVE")
        self.assertEqual(got["inferenceProfileArn"], f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{wanted}")
        self.assertTrue(any(m["modelArn"].endswith(f":foundation-model/{MODEL}") for m in got["models"]), got["models"])

    def test_application_inference_profile_lifecycle(self):
        name = unique("mine")
        created = self.create_profile(name)
        arn = created["inferenceProfileArn"]
        self.assertRegex(arn, PROFILE_ARN)
        self.assertEqual(created["status"], "ACTIVE")
        got = self.bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
        self.assertEqual((got["inferenceProfileName"], got["type"], got["status"]), (name, "APPLICATION", "ACTIVE"))
        self.assertEqual([m["modelArn"] for m in got["models"]], [MODEL_ARN])
        apps, _ = walk(self.bedrock.list_inference_profiles, "inferenceProfileSummaries", typeEquals="APPLICATION")
        self.assertIn(arn, {p["inferenceProfileArn"] for p in apps})
        self.assertEqual({p["type"] for p in apps}, {"APPLICATION"})
        self.assert_converses(arn, messages=[user("Hello")])
        events = list(self.client.converse_stream(modelId=arn, messages=[user("Hello")])["stream"])
        self.assertIn("messageStart", events[0])
        self.assertIn("messageStop", events[-2])
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}
        invoked = json.loads(self.client.invoke_model(modelId=arn, body=json.dumps(body))["body"].read())
        self.assertEqual(invoked["role"], "assistant")
        self.assertTrue(invoked["content"][0]["text"])
        # Copied from a system-defined profile instead.
        from_system = self.create_profile(source=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/us.{MODEL}")
        self.assertRegex(from_system["inferenceProfileArn"], PROFILE_ARN)
        self.bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)
        self.error_code(lambda: self.bedrock.get_inference_profile(inferenceProfileIdentifier=arn), NOT_FOUND)

    # -- tagging ---------------------------------------------------------------------------
    def check_tagging(self, arn, initial):
        def tags():
            return {t["key"]: t["value"] for t in self.bedrock.list_tags_for_resource(resourceARN=arn)["tags"]}
        self.assertEqual(tags(), initial)
        self.bedrock.tag_resource(resourceARN=arn, tags=[{"key": "env", "value": "test"}, {"key": "k2", "value": "v2"}])
        self.assertEqual(tags(), {**initial, "env": "test", "k2": "v2"})
        self.bedrock.untag_resource(resourceARN=arn, tagKeys=["k2", *initial])
        self.assertEqual(tags(), {"env": "test"})
        too_many = [{"key": f"key{i}", "value": "v"} for i in range(51)]
        with self.assertRaises(self.bedrock.exceptions.TooManyTagsException):
            self.bedrock.tag_resource(resourceARN=arn, tags=too_many)
        self.assertEqual(tags(), {"env": "test"})

    def test_tags_on_a_guardrail(self):
        created = self.create_guardrail(tags=[{"key": "team", "value": "tests"}])
        self.check_tagging(created["guardrailArn"], {"team": "tests"})

    def test_tags_on_an_application_profile(self):
        arn = self.create_profile(tags=[{"key": "owner", "value": "me"}])["inferenceProfileArn"]
        self.check_tagging(arn, {"owner": "me"})

    # -- prompts ---------------------------------------------------------------------------
    def test_prompt_lifecycle(self):
        created = self.create_prompt()
        pid, arn = created["id"], created["arn"]
        self.assertRegex(pid, r"^[0-9a-zA-Z]{10}$")
        self.assertEqual(PROMPT_ARN.match(arn).group(1), pid)
        self.assertEqual(created["version"], "DRAFT")
        got = self.agent.get_prompt(promptIdentifier=pid)
        self.assertEqual((got["name"], got["defaultVariant"], got["version"]), (created["name"], "v1", "DRAFT"))
        self.assertEqual(got["variants"][0]["templateConfiguration"]["text"]["text"], "Tell me about {{topic}}")
        self.assertIn(pid, {p["id"] for p in walk(self.agent.list_prompts, "promptSummaries")[0]})
        new_name = unique("renamed")
        updated = self.agent.update_prompt(promptIdentifier=pid, name=new_name, defaultVariant="v1",
                                           variants=prompt_variants("Write a poem about {{topic}}"))
        self.assertEqual((updated["id"], updated["name"]), (pid, new_name))
        version = self.agent.create_prompt_version(promptIdentifier=pid)
        self.assertEqual(version["version"], "1")
        self.assertTrue(version["arn"].endswith(":1"), version["arn"])
        self.assertEqual(version["arn"], f"{arn}:1")
        self.agent.update_prompt(promptIdentifier=pid, name=new_name, defaultVariant="v1",
                                 variants=prompt_variants("Sing about {{topic}}"))
        v1 = self.agent.get_prompt(promptIdentifier=pid, promptVersion="1")
        self.assertEqual(v1["variants"][0]["templateConfiguration"]["text"]["text"], "Write a poem about {{topic}}")
        draft = self.agent.get_prompt(promptIdentifier=arn)
        self.assertEqual(draft["variants"][0]["templateConfiguration"]["text"]["text"], "Sing about {{topic}}")
        self.agent.delete_prompt(promptIdentifier=pid)
        self.error_code(lambda: self.agent.get_prompt(promptIdentifier=pid), NOT_FOUND)

    def test_converse_with_a_prompt_arn(self):
        created = self.create_prompt()
        version = self.agent.create_prompt_version(promptIdentifier=created["id"])
        for model_id in (created["arn"], version["arn"]):
            with self.subTest(model_id=model_id):
                self.assert_converses(model_id, promptVariables={"topic": {"text": "otters"}})

    # -- reset -----------------------------------------------------------------------------
    def test_reset_clears_control_plane_resources(self):
        gid = self.create_guardrail()["guardrailId"]
        pid = self.create_prompt()["id"]
        arn = self.create_profile()["inferenceProfileArn"]
        status, _, body = self.emulator.request("POST", "/_emulator/reset")
        self.assertEqual(status, 200, body)
        self.error_code(lambda: self.bedrock.get_guardrail(guardrailIdentifier=gid), NOT_FOUND)
        self.error_code(lambda: self.agent.get_prompt(promptIdentifier=pid), NOT_FOUND)
        self.error_code(lambda: self.bedrock.get_inference_profile(inferenceProfileIdentifier=arn), NOT_FOUND)
        self.error_code(lambda: self.apply(gid, "DRAFT", "zeus"), NOT_FOUND)


class KeptDirEmulator(harness.Emulator):
    """An emulator whose data directory is `root`, kept when it stops (the caller removes it)."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def start(self, timeout=15.0):
        with mock.patch.object(harness.tempfile, "mkdtemp", return_value=self.root):
            return super().start(timeout)

    def stop(self, timeout=10.0):
        self.data_dir = None  # so the harness does not remove it
        return super().stop(timeout)


class PersistenceTest(ControlPlaneClients, unittest.TestCase):
    def use(self, emulator):
        self.emulator = emulator
        self.client = emulator.client()
        self.bedrock = make_client(emulator, "bedrock")
        self.agent = make_client(emulator, "bedrock-agent")

    def close(self):
        for c in (self.client, self.bedrock, self.agent):
            c.close()
        self.assertEqual(self.emulator.stop(), 0, "emulator should exit with 0 on SIGTERM")

    def test_resources_survive_a_restart_on_the_same_data_dir(self):
        root = tempfile.mkdtemp(prefix="bedrock-emulator-py-persist-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        self.use(KeptDirEmulator(root).start())
        try:
            gid = self.create_guardrail()["guardrailId"]
            self.bedrock.create_guardrail_version(guardrailIdentifier=gid)
            prompt = self.create_prompt()
            arn = self.create_profile()["inferenceProfileArn"]
        finally:
            self.close()
        self.use(KeptDirEmulator(root).start())
        try:
            self.assertEqual(self.bedrock.get_guardrail(guardrailIdentifier=gid)["status"], "READY")
            self.assertEqual(self.bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")["version"], "1")
            self.assert_blocks(gid, "1", "zeus again")
            self.assert_blocks(gid, "DRAFT", "zeus again")
            self.assertEqual(self.agent.get_prompt(promptIdentifier=prompt["id"])["name"], prompt["name"])
            self.assert_converses(prompt["arn"], promptVariables={"topic": {"text": "otters"}})
            self.assertEqual(self.bedrock.get_inference_profile(inferenceProfileIdentifier=arn)["status"], "ACTIVE")
            self.assert_converses(arn, messages=[user("Hello again")])
        finally:
            self.close()


if __name__ == "__main__":
    unittest.main()
