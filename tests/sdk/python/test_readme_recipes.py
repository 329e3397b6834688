"""The README's recipes, as a newcomer would paste them: the pytest fixture (run here without
pytest, through a stand-in `pytest.fixture`) starts the binary on a free port, a boto3 Converse
reaches it through AWS_ENDPOINT_URL_BEDROCK_RUNTIME alone, and the server stops; every YAML block
parses, and the GitHub Actions jobs point the SDK at the emulator."""
import os
import re
import sys
import types
import unittest

import boto3
import botocore.exceptions
import yaml
from botocore.config import Config

import harness

README = os.path.join(harness.REPO, "README.md")
ENV_KEYS = ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION", "BEDROCK_EMULATOR_BIN")


def code_blocks(language):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"^```" + language + r"\n(.*?)^```", text, re.S | re.M)


class ReadmeRecipes(unittest.TestCase):
    def setUp(self):
        self.saved_env = {k: os.environ.get(k) for k in ENV_KEYS}
        self.saved_pytest = sys.modules.get("pytest")

    def tearDown(self):
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self.saved_pytest is None:
            sys.modules.pop("pytest", None)
        else:
            sys.modules["pytest"] = self.saved_pytest

    def test_pytest_fixture_starts_the_binary_on_a_free_port(self):
        [source] = [b for b in code_blocks("python") if b.startswith("# conftest.py")]
        # pytest is not a dependency here: a stand-in whose fixture decorator returns the function.
        stand_in = types.ModuleType("pytest")
        stand_in.fixture = lambda *args, **kwargs: (lambda f: f) if not args else args[0]
        sys.modules["pytest"] = stand_in
        os.environ["BEDROCK_EMULATOR_BIN"] = harness.BINARY
        namespace = {}
        exec(compile(source, "README.md conftest.py", "exec"), namespace)
        fixture = namespace["bedrock_endpoint"]()
        endpoint = next(fixture)
        self.assertRegex(endpoint, r"^http://127\.0\.0\.1:\d+$")
        self.assertNotEqual(endpoint, "http://127.0.0.1:4599")  # a free port, not the default
        # The fixture's environment alone points boto3 at the server.
        client = boto3.client("bedrock-runtime")
        reply = client.converse(modelId="amazon.nova-micro-v1:0",
                                messages=[{"role": "user", "content": [{"text": "Hello"}]}])
        self.assertEqual(reply["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertTrue(reply["output"]["message"]["content"][0]["text"])
        with self.assertRaises(StopIteration):
            next(fixture)  # the teardown: the server stops
        with self.assertRaises(botocore.exceptions.EndpointConnectionError):
            boto3.client("bedrock-runtime", config=Config(
                retries={"total_max_attempts": 1}, connect_timeout=1)).converse(
                modelId="amazon.nova-micro-v1:0",
                messages=[{"role": "user", "content": [{"text": "Hello"}]}])

    def test_yaml_recipes_parse_and_point_the_sdk_at_the_emulator(self):
        blocks = code_blocks("yaml")
        self.assertGreaterEqual(len(blocks), 2)
        for block in blocks:
            workflow = yaml.safe_load(block)
            job = workflow["jobs"]["test"]
            self.assertTrue(job["steps"])
            text = yaml.safe_dump(workflow)
            self.assertIn("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", text)
            self.assertIn("/_emulator/health", text)
        service = yaml.safe_load(blocks[0])["jobs"]["test"]["services"]["bedrock"]
        self.assertEqual(service["ports"], ["4599:4599"])

    def test_compose_file_publishes_the_port_with_a_health_check(self):
        with open(os.path.join(harness.REPO, "docker-compose.yml"), encoding="utf-8") as f:
            compose = yaml.safe_load(f)
        service = compose["services"]["bedrock-emulator"]
        self.assertIn("127.0.0.1:4599:4599", service["ports"])
        self.assertIn("/_emulator/health", " ".join(service["healthcheck"]["test"]))


if __name__ == "__main__":
    unittest.main()
