"""boto3 tests of the TwelveLabs (Pegasus 1.2, Marengo Embed 2.7 and 3.0), Luma Ray 2 and Stability
AI Image Services models: each invoked once in its native body, one refusal each, and the async
invocations (Luma Ray video, Marengo video embeddings) reaching Completed with their files."""
import base64
import json
import os
import unittest

from botocore.exceptions import ClientError

import harness
from test_async import AsyncServerTest, output_config, wait_until

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()
PEGASUS = "us.twelvelabs.pegasus-1-2-v1:0"
MARENGO_27 = "twelvelabs.marengo-embed-2-7-v1:0"
MARENGO_3 = "twelvelabs.marengo-embed-3-0-v1:0"
LUMA = "luma.ray-v2:0"
VIDEO = {"s3Location": {"uri": "s3://my-videos/clip.mp4", "bucketOwner": "123456789012"}}

# One accepted body per Stability image service (us. profile ids).
STABILITY = {
    "stable-image-remove-background": {"image": PNG},
    "stable-image-erase-object": {"image": PNG, "mask": PNG},
    "stable-image-inpaint": {"image": PNG, "prompt": "a vase of flowers"},
    "stable-outpaint": {"image": PNG, "left": 256, "prompt": "a beach"},
    "stable-image-search-replace": {"image": PNG, "prompt": "a red car", "search_prompt": "car"},
    "stable-image-search-recolor": {"image": PNG, "prompt": "blue", "select_prompt": "the shirt"},
    "stable-image-control-sketch": {"image": PNG, "prompt": "a castle", "control_strength": 0.7},
    "stable-image-control-structure": {"image": PNG, "prompt": "a castle"},
    "stable-image-style-guide": {"image": PNG, "prompt": "a cat", "fidelity": 0.5},
    "stable-style-transfer": {"init_image": PNG, "style_image": PNG},
    "stable-fast-upscale": {"image": PNG},
    "stable-conservative-upscale": {"image": PNG, "prompt": "a photo", "creativity": 0.35},
    "stable-creative-upscale": {"image": PNG, "prompt": "a photo", "creativity": 0.3},
}


class NewFamiliesTest(harness.EmulatorTest):
    def invoke(self, model_id, body):
        response = self.client.invoke_model(modelId=model_id, body=json.dumps(body),
                                            contentType="application/json", accept="application/json")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        return json.loads(response["body"].read())

    def assert_refused(self, model_id, body, message):
        with self.assertRaises(ClientError) as caught:
            self.client.invoke_model(modelId=model_id, body=json.dumps(body))
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn(message, error["Message"])

    def test_pegasus_answers_and_streams(self):
        body = {"inputPrompt": "Describe this video", "mediaSource": VIDEO, "maxOutputTokens": 100}
        answer = self.invoke(PEGASUS, body)
        self.assertEqual(set(answer), {"message", "finishReason"})
        self.assertIn(answer["finishReason"], ("stop", "length"))
        stream = self.client.invoke_model_with_response_stream(modelId=PEGASUS, body=json.dumps(body))
        chunks = [json.loads(e["chunk"]["bytes"]) for e in stream["body"] if "chunk" in e]
        self.assertEqual("".join(c["message"] for c in chunks), answer["message"])
        self.assertEqual(chunks[-1]["finishReason"], answer["finishReason"])
        self.assert_refused(PEGASUS, {"inputPrompt": "Describe this video"},
                            "required key [mediaSource] not found")

    def test_pegasus_has_no_converse(self):
        with self.assertRaises(ClientError) as caught:
            self.client.converse(modelId=PEGASUS, messages=[harness.user("Hi")])
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")

    def test_marengo_embeds_text_and_images(self):
        text = self.invoke("us." + MARENGO_27, {"inputType": "text", "inputText": "a dog on a beach"})
        self.assertEqual(len(text["data"][0]["embedding"]), 1024)
        image = self.invoke(MARENGO_27, {"inputType": "image", "mediaSource": {"base64String": PNG}})
        self.assertEqual(len(image["data"][0]["embedding"]), 1024)
        v3 = self.invoke(MARENGO_3, {"inputType": "text", "text": {"inputText": "a dog on a beach"}})
        self.assertEqual(len(v3["data"][0]["embedding"]), 512)
        self.assert_refused(MARENGO_27, {"inputType": "video", "mediaSource": VIDEO},
                            "supported only through StartAsyncInvoke")
        self.assert_refused(MARENGO_3, {"inputType": "text"}, "required key [text] not found")

    def test_stability_image_services(self):
        for service, body in STABILITY.items():
            with self.subTest(service=service):
                answer = self.invoke(f"us.stability.{service}-v1:0", body)
                self.assertEqual(answer["finish_reasons"], [None])
                self.assertEqual(len(answer["seeds"]), 1)
                self.assertTrue(base64.b64decode(answer["images"][0]).startswith(b"\x89PNG"))
        self.assert_refused("us.stability.stable-image-search-recolor-v1:0",
                            {"image": PNG, "prompt": "blue"}, "required key [select_prompt] not found")

    def test_luma_ray_is_async_only(self):
        with self.assertRaises(ClientError) as caught:
            self.client.invoke_model(modelId=LUMA, body=json.dumps({"prompt": "waves"}))
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")


class NewFamiliesAsyncTest(AsyncServerTest):
    def completed_folder(self, model_id, model_input, prefix):
        arn = self.client.start_async_invoke(
            modelId=model_id, modelInput=model_input,
            outputDataConfig=output_config(f"s3://my-bucket/{prefix}"))["invocationArn"]
        self.assertTrue(wait_until(
            lambda: self.client.get_async_invoke(invocationArn=arn)["status"] != "InProgress"))
        self.assertEqual(self.client.get_async_invoke(invocationArn=arn)["status"], "Completed")
        return os.path.join(self.server.data_dir, "s3", "my-bucket", prefix, arn.rsplit("/", 1)[1])

    def test_luma_ray_leaves_a_video(self):
        folder = self.completed_folder(LUMA, {"prompt": "an old lady laughing underwater",
                                              "aspect_ratio": "16:9", "loop": False,
                                              "duration": "5s", "resolution": "720p"}, "luma")
        with open(os.path.join(folder, "output.mp4"), "rb") as f:
            self.assertEqual(f.read(12)[4:8], b"ftyp")
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["status"], "Completed")

    def test_marengo_video_embeddings(self):
        folder = self.completed_folder(MARENGO_27, {"inputType": "video", "mediaSource": VIDEO,
                                                    "embeddingOption": ["visual-text", "audio"]},
                                       "marengo")
        with open(os.path.join(folder, "output.json"), encoding="utf-8") as f:
            data = json.load(f)["data"]
        self.assertEqual({d["embeddingOption"] for d in data}, {"visual-text", "audio"})
        for d in data:
            self.assertEqual(len(d["embedding"]), 1024)
            self.assertLess(d["startSec"], d["endSec"])


if __name__ == "__main__":
    unittest.main()
