"""Makes one Bedrock call with boto3 against the emulator and prints what came back as one JSON
line: the browser tests check that the inspector shows this very exchange.

Usage: boto3_call.py ENDPOINT converse|converse_stream TEXT
"""
import json
import sys

import boto3
from botocore.config import Config


def main():
    endpoint, action, text = sys.argv[1:4]
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    request = {
        "modelId": "amazon.nova-lite-v1:0",
        "messages": [{"role": "user", "content": [{"text": text}]}],
    }
    if action == "converse":
        answer = client.converse(**request)
        out = {
            "requestId": answer["ResponseMetadata"]["RequestId"],
            "text": answer["output"]["message"]["content"][0]["text"],
        }
    else:
        answer = client.converse_stream(**request)
        events = []
        deltas = []
        for event in answer["stream"]:
            name = next(iter(event))
            events.append(name)
            if name == "contentBlockDelta":
                deltas.append(event[name]["delta"].get("text", ""))
        out = {
            "requestId": answer["ResponseMetadata"]["RequestId"],
            "events": events,
            "text": "".join(deltas),
        }
    print(json.dumps(out), flush=True)


main()
