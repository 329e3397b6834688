"""boto3 against the 2026 model catalog: Strands' default model id answers, and a retired model
gets Bedrock's end-of-life 404 (recorded 2026 for anthropic.claude-3-5-sonnet-20240620-v1:0).

The server here runs as Bedrock does, without --serve-retired-models.
"""
import json
import unittest

from botocore.exceptions import ClientError

from harness import EmulatorTest, load_catalog, user

END_OF_LIFE = ("This model version has reached the end of its life. "
               "Please refer to the AWS documentation for more details.")


class CatalogTest(EmulatorTest):
    serve_retired_models = False

    def test_strands_default_model_id_answers_converse(self):
        answer = self.client.converse(modelId="global.anthropic.claude-sonnet-4-6",
                                      messages=[user("Say hello.")],
                                      inferenceConfig={"maxTokens": 64})
        self.assertEqual(answer["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(answer["output"]["message"]["role"], "assistant")
        self.assertTrue(answer["output"]["message"]["content"][0]["text"])
        self.assertGreater(answer["usage"]["inputTokens"], 0)

    def test_new_open_weight_and_partner_ids_answer(self):
        for model_id in ("qwen.qwen3-32b-v1:0", "moonshot.kimi-k2-thinking", "zai.glm-4.7-flash",
                         "us.writer.palmyra-x4-v1:0", "us.anthropic.claude-opus-4-6-v1",
                         "us.anthropic.claude-sonnet-4-6"):
            with self.subTest(model_id=model_id):
                answer = self.client.converse(modelId=model_id, messages=[user("Hi")],
                                              inferenceConfig={"maxTokens": 32})
                self.assertEqual(answer["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_cohere_embed_v4_answers_invoke_model(self):
        answer = self.client.invoke_model(
            modelId="cohere.embed-v4:0",
            body=json.dumps({"texts": ["hello"], "input_type": "search_document"}))
        self.assertEqual(answer["ResponseMetadata"]["HTTPStatusCode"], 200)
        body = json.loads(answer["body"].read())
        self.assertIn("embeddings", body)

    def assert_end_of_life(self, call):
        with self.assertRaises(ClientError) as caught:
            call()
        error = caught.exception.response
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(error["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(error["Error"]["Message"], END_OF_LIFE)

    def test_retired_model_gets_the_end_of_life_404(self):
        retired = "anthropic.claude-3-5-sonnet-20240620-v1:0"
        for model_id in (retired, "us." + retired,
                         "arn:aws:bedrock:us-east-1::foundation-model/" + retired):
            with self.subTest(model_id=model_id):
                self.assert_end_of_life(lambda: self.client.converse(
                    modelId=model_id, messages=[user("Hi")]))
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
                           "messages": [{"role": "user", "content": "Hi"}]})
        self.assert_end_of_life(lambda: self.client.invoke_model(modelId=retired, body=body))
        self.assert_end_of_life(lambda: self.client.converse_stream(
            modelId="us.anthropic.claude-3-5-haiku-20241022-v1:0", messages=[user("Hi")]))

    def test_every_retired_catalog_model_is_refused(self):
        for model in load_catalog():
            if "lifecycle" not in model:
                continue
            with self.subTest(model=model["id"]):
                if "converse" in model["features"]:
                    self.assert_end_of_life(lambda: self.client.converse(
                        modelId=model["id"], messages=[user("Hi")]))
                else:
                    self.assert_end_of_life(lambda: self.client.invoke_model(
                        modelId=model["id"], body=b"{}"))


if __name__ == "__main__":
    unittest.main()
