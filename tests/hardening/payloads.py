"""Request bodies and scenario documents the cases share."""
import json

MODEL = "amazon.nova-micro-v1:0"
ANTHROPIC = "anthropic.claude-3-haiku-20240307-v1:0"
SONIC = "amazon.nova-sonic-v1:0"
REEL = "amazon.nova-reel-v1:0"
REEL_INPUT = {"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a cat on a skateboard"},
              "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 0}}
LONG = 50_000     # issue 13 item 1: about 20,000 characters overflowed std::regex
DEEP = 100_000    # issue 13 item 3: 50,000+ levels overflowed recursive dump()
HOLE = "__HARDENING_HOLE__"

SLOW_STREAM_TEXT = "hardening-slow-stream"    # ~10 s of events
SHORT_STREAM_TEXT = "hardening-short-stream"  # ~1 s of events
PACED_BIG_TEXT = "hardening-paced-big"

SHARED_SCENARIOS = {
    # The README's own example (scenarios/README.md, "A tool call, with reasoning").
    "weather.json": {"name": "weather", "rules": [
        {"match": {"operation": ["Converse", "ConverseStream"], "textRegex": "weather in \\w+"},
         "response": {"reasoning": "The user wants the weather; I should call the tool.",
                      "toolUse": {"name": "get_weather", "input": {"city": "Paris"}}}}]},
    "streams.json": {"name": "streams", "rules": [
        {"match": {"operation": "ConverseStream", "text": SLOW_STREAM_TEXT},
         "response": {"text": "x" * 2000, "chunkSize": 10}, "latency": {"betweenEventsMs": 50}},
        {"match": {"operation": "ConverseStream", "text": SHORT_STREAM_TEXT},
         "response": {"text": "x" * 200, "chunkSize": 10}, "latency": {"betweenEventsMs": 50}}]},
}

# issue 13 item 9: a paced stream of 1 MB of text, one character per event.
PACED_SCENARIOS = {"paced.json": {"name": "paced", "rules": [
    {"match": {"operation": "ConverseStream", "text": PACED_BIG_TEXT},
     "response": {"text": "y" * (1 << 20), "chunkSize": 1}, "latency": {"betweenEventsMs": 1}}]}}


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def converse(text="hello", **extra):
    return {"messages": [user(text)], **extra}


def deep_array(n=DEEP):
    return b"[" * n + b"]" * n


def with_hole(doc, raw):
    """doc serialized, with the string HOLE replaced by the raw JSON bytes `raw`."""
    text = json.dumps(doc).encode()
    assert text.count(json.dumps(HOLE).encode()) == 1
    return text.replace(json.dumps(HOLE).encode(), raw)


def tool_spec(name="get_weather", schema=None):
    return {"toolSpec": {"name": name, "description": "weather",
                         "inputSchema": {"json": schema or {"type": "object", "properties": {}}}}}


def tool_turns(tool_use_id="tooluse_1", use_input=None, result_content=None, name="get_weather"):
    """A user turn, an assistant tool call and the user's tool result."""
    return [user("weather in Paris?"),
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": tool_use_id, "name": name,
                                                           "input": use_input if use_input is not None else {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": tool_use_id,
                                                         "content": result_content or [{"text": "sunny"}]}}]}]


def start_async(token=None, uri="s3://hardening-bucket/out", model_input=None):
    body = {"modelId": REEL, "modelInput": model_input or REEL_INPUT,
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": uri}}}
    if token:
        body["clientRequestToken"] = token
    return body


def anthropic(messages=None, **extra):
    return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
            "messages": messages or [{"role": "user", "content": "hello"}], **extra}
