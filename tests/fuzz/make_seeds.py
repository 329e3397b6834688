#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ from the project's fixtures.

Seeds are committed; re-run this after a fixture changes:  python3 tests/fuzz/make_seeds.py
Each target's input layout is described at the top of its .cc file.
"""
import base64
import glob
import json
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# A piece-size byte for the decoders: 0 feeds one byte at a time, 255 in 256-byte pieces.
ONE_BYTE, WHOLE = b"\x00", b"\xff"


def header(name, type_byte, value):
    return bytes([len(name)]) + name.encode() + bytes([type_byte]) + value


def string_header(name, text):
    data = text.encode()
    return header(name, 7, struct.pack(">H", len(data)) + data)


def message(headers, payload):
    """One event-stream message (layout in emulator/src/eventstream/message.h)."""
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(event_type, payload):
    headers = (string_header(":event-type", event_type)
               + string_header(":content-type", "application/json")
               + string_header(":message-type", "event"))
    return message(headers, payload.encode())


def envelope(payload):
    headers = (header(":date", 8, struct.pack(">q", 1700000000000))
               + header(":chunk-signature", 6, struct.pack(">H", 32) + b"\x07" * 32))
    return message(headers, payload)


def sonic_event(name, body):
    text = json.dumps({"event": {name: body}})
    chunk = json.dumps({"bytes": base64.b64encode(text.encode()).decode()})
    return event("chunk", chunk)


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def eventstream_seeds():
    vectors = sorted(glob.glob(os.path.join(ROOT, "fixtures/eventstream/*/*.bin")))
    for path in vectors:
        name = os.path.basename(os.path.dirname(path)) + "_" + os.path.basename(path)[:-4]
        with open(path, "rb") as f:
            data = f.read()
        write("eventstream_decoder", name, WHOLE + data)
        write("eventstream_decoder", name + "_bytewise", ONE_BYTE + data)
    two = event("contentBlockDelta", '{"delta":{"text":"Hi"}}') + event("messageStop", "{}")
    write("eventstream_decoder", "two_events", b"\x07" + two)


def framing_seeds():
    capacity = struct.pack(">H", 8192)
    body = b'{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}'
    converse = (b"POST /model/m/converse HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    requests = {
        "converse": converse,
        "pipelined": converse + b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n",
        "get": b"GET /async-invoke?maxResults=2 HTTP/1.1\r\nHost: x\r\n\r\n",
        "chunked": b"POST /model/m/converse HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n0\r\n\r\n",
        "expect": b"POST /model/m/invoke HTTP/1.1\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 2\r\n\r\n{}",
        "bidirectional": b"POST /model/m/invoke-with-bidirectional-stream HTTP/1.1\r\n\r\n",
        "bare_lf": b"GET / HTTP/1.1\nHost: x\n\n",
        "partial_head": b"POST /model/m/converse HTTP/1.1\r\nContent-Len",
        "two_lengths": b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    }
    for name, data in requests.items():
        write("request_framing", name, capacity + data)
    write("request_framing", "small_capacity", struct.pack(">H", 16) + converse)


def input_reader_seeds():
    # Operation bytes, as in fuzz_input_reader.cc's kOperations.
    converse, stream, count, apply, start, checks, invoke, listing = range(8)
    user = [{"role": "user", "content": [{"text": "Hello"}]}]
    tool = {"toolSpec": {"name": "get_weather", "description": "Weather",
                         "inputSchema": {"json": {"type": "object", "properties": {}}}}}
    bodies = {
        "converse": (converse, {"messages": user, "inferenceConfig": {"maxTokens": 64,
                                                                     "temperature": 0.5}}),
        "converse_tools": (converse, {"messages": user + [
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "get_weather",
                                                           "input": {"city": "Paris"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                                                         "content": [{"json": {"t": 20}}]}}]}],
            "toolConfig": {"tools": [tool]}, "system": [{"text": "Be brief"}]}),
        "converse_image": (converse, {"messages": [{"role": "user", "content": [
            {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]}]}),
        "converse_stream": (stream, {"messages": user, "guardrailConfig": {
            "guardrailIdentifier": "gr", "guardrailVersion": "1", "streamProcessingMode": "async"}}),
        "count_tokens": (count, {"input": {"converse": {"messages": user}}}),
        "apply_guardrail": (apply, {"source": "INPUT", "content": [{"text": {"text": "hi"}}]}),
        "start_async": (start, {"modelInput": {"taskType": "TEXT_VIDEO"}, "clientRequestToken": "abc",
                                "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://b/k"}}}),
        "guardrail_checks": (checks, {"content": [{"text": {"text": "hi"}}]}),
    }
    for name, (operation, body) in bodies.items():
        write("input_reader", name, bytes([operation]) + json.dumps(body).encode())
    write("input_reader", "converse_not_json", bytes([converse]) + b'{"messages": [')
    write("input_reader", "invoke_model", bytes([invoke]) + b'{"prompt": "hi"}')
    write("input_reader", "list_async", bytes([listing]) +
          b"maxResults=10&statusEquals=Completed&sortOrder=Descending&nextToken=abc")
    # Inputs that once answered 500 (std::stoll threw); kept as regression seeds.
    for name, value in (("dash", b"-"), ("double_dash", b"--1"), ("overflow", b"9999999999999999999")):
        write("input_reader", "list_async_max_results_" + name, bytes([listing]) + b"maxResults=" + value)


def scenario_seeds():
    paths = (glob.glob(os.path.join(ROOT, "scenarios/examples/*.json"))
             + glob.glob(os.path.join(ROOT, "fixtures/scenarios/*.json")))
    for path in sorted(paths):
        shutil.copy(path, os.path.join(CORPUS, "scenario_parser", os.path.basename(path)))
    # A number beyond a double's range once escaped the parser as an exception (validate aborted).
    write("scenario_parser", "number_overflow.json", b'{"rules": [{"match": {"temperature": 1e400}}]}\n')


def sonic_seeds():
    start = sonic_event("sessionStart", {"inferenceConfiguration": {"maxTokens": 1024}})
    prompt = sonic_event("promptStart", {"promptName": "p", "audioOutputConfiguration": {
        "mediaType": "audio/lpcm", "sampleRateHertz": 24000}})
    audio = sonic_event("audioInput", {"promptName": "p", "contentName": "a",
                                       "content": base64.b64encode(b"\x00\x01" * 64).decode()})
    end = sonic_event("sessionEnd", {})
    signed = b"".join(envelope(e) for e in (start, prompt, audio, end)) + envelope(b"")
    write("sonic_input_decoder", "signed_session", WHOLE + signed)
    write("sonic_input_decoder", "signed_session_bytewise", ONE_BYTE + signed)
    write("sonic_input_decoder", "unsigned_session", b"\x10" + start + prompt + end)
    write("sonic_input_decoder", "bad_base64", WHOLE + envelope(event("chunk", '{"bytes":"@@@"}')))


def ws_frame(first, payload, masked=True, key=b"\x37\xfa\x21\x3d"):
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head = struct.pack(">BB", first, bit | n)
    elif n <= 0xFFFF:
        head = struct.pack(">BBH", first, bit | 126, n)
    else:
        head = struct.pack(">BBQ", first, bit | 127, n)
    if not masked:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def websocket_seeds():
    start = sonic_event("sessionStart", {"inferenceConfiguration": {"maxTokens": 1024}})
    whole = ws_frame(0x82, envelope(start)) + ws_frame(0x89, b"ping") + ws_frame(0x88, b"\x03\xe8")
    write("websocket_frames", "session", WHOLE + whole)
    write("websocket_frames", "session_bytewise", ONE_BYTE + whole)
    fragments = (ws_frame(0x02, b"ab") + ws_frame(0x8A, b"") + ws_frame(0x00, b"cd")
                 + ws_frame(0x80, b"ef"))
    write("websocket_frames", "fragments", b"\x03" + fragments)
    write("websocket_frames", "lengths", WHOLE + ws_frame(0x82, b"m" * 300) + ws_frame(0x82, b"L" * 5000))
    write("websocket_frames", "unmasked", WHOLE + ws_frame(0x82, b"x", masked=False))


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    os.makedirs(os.path.join(CORPUS, "scenario_parser"))
    eventstream_seeds()
    framing_seeds()
    input_reader_seeds()
    scenario_seeds()
    sonic_seeds()
    websocket_seeds()


if __name__ == "__main__":
    main()
