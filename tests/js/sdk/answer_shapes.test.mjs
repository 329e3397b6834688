// Answer shapes as real Bedrock sends them, through the AWS SDK for JavaScript v3 (both client
// kinds) and on the wire (raw HTTP/1.1, decoded with the SDK's own event-stream codec): usage
// members per model (serverToolUsage, the cache members of Claude 3.7 and 4.x, cacheDetails with
// its ttl), latencyMs never 0, guardrail trace members, response headers, stream padding, key
// order and error headers. Facts from recorded real exchanges (DEVIATIONS.md names them).
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConverseCommand,
  ConverseStreamCommand,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

import { CLIENT_KINDS, http1Request, makeClient, startEmulator, user } from "./harness.mjs";

const NOVA = "amazon.nova-micro-v1:0";
const HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0";
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const PADDING_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const NAMESPACE = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
const GUARDRAIL_ID = "grshapejs1";
const SCENARIO = {
  name: "answer-shapes-js",
  rules: [
    {
      name: "throttle one phrase",
      match: { text: "please throttle me" },
      error: { type: "ThrottlingException", message: "Too many requests, please wait before trying again." },
    },
  ],
  guardrails: [
    {
      guardrailIdentifier: GUARDRAIL_ID,
      version: "DRAFT",
      name: "shapes",
      blockedInputMessaging: "Blocked input.",
      blockedOutputsMessaging: "Blocked output.",
      wordPolicyConfig: { wordsConfig: [{ text: "pineapple" }] },
    },
  ],
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const path = (modelId, operation) => `/model/${encodeURIComponent(modelId)}/${operation}`;
const document = (tag) =>
  Array.from({ length: 150 }, (_, i) => `Clause ${i} of the ${tag} js shape contract keeps prefixes.`).join(" ");
const cached = (tag, ttl) => [
  {
    role: "user",
    content: [{ text: document(tag) }, { cachePoint: { type: "default", ...(ttl ? { ttl } : {}) } }, { text: "Go" }],
  },
];

// The event-stream messages of a body: [{ type, payload (text), json }].
function events(body) {
  const out = [];
  for (let pos = 0; pos < body.length; ) {
    const length = body.readUInt32BE(pos);
    const message = codec.decode(new Uint8Array(body.subarray(pos, pos + length)));
    const payload = toUtf8(message.body);
    out.push({ type: message.headers[":event-type"].value, payload, json: JSON.parse(payload) });
    pos += length;
  }
  return out;
}

// Paths of objects whose keys are not in alphabetical order.
function unsorted(value, at = "$") {
  if (Array.isArray(value)) return value.flatMap((item, i) => unsorted(item, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const keys = Object.keys(value);
  const here = keys.join() === [...keys].sort().join() ? [] : [`${at}: ${keys}`];
  return here.concat(keys.flatMap((key) => unsorted(value[key], `${at}.${key}`)));
}

let server;
before(async () => {
  server = await startEmulator();
  const loaded = await http1Request(server.port, "POST", "/_emulator/scenarios", SCENARIO);
  assert.equal(loaded.status, 200, loaded.body.toString());
});
after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, "emulator should exit with 0 on SIGTERM");
});

describe("on the wire", () => {
  const post = async (modelId, operation, body) => {
    const response = await http1Request(server.port, "POST", path(modelId, operation), body);
    assert.equal(response.status, 200, response.body.toString());
    return response;
  };

  test("Converse and ConverseStream: serverToolUsage, positive latency, sorted keys, no Bedrock headers", async () => {
    for (const modelId of [NOVA, HAIKU_3, SONNET_45]) {
      const unary = await post(modelId, "converse", { messages: [user("Hello there")] });
      const body = JSON.parse(unary.body);
      assert.deepEqual(body.usage.serverToolUsage, {}, modelId);
      assert.ok(body.metrics.latencyMs >= 1, modelId);
      assert.deepEqual(unsorted(body), [], modelId);
      assert.deepEqual(Object.keys(unary.headers).filter((h) => h.startsWith("x-amzn-bedrock")), [], modelId);

      const stream = await post(modelId, "converse-stream", { messages: [user("Hello there")] });
      assert.equal(stream.headers["transfer-encoding"], "chunked");
      assert.deepEqual(Object.keys(stream.headers).filter((h) => h.startsWith("x-amzn-bedrock")), [], modelId);
      const received = events(stream.body);
      for (const event of received) {
        assert.deepEqual(unsorted(event.json), [], `${modelId} ${event.type}`);
        assert.ok(PADDING_ALPHABET.startsWith(event.json.p), event.payload);
      }
      const metadata = received.at(-1);
      assert.equal(metadata.type, "metadata");
      assert.deepEqual(metadata.json.usage, body.usage, modelId);
      assert.ok(metadata.json.metrics.latencyMs >= 1);
    }
  });

  test("usage members per model: Claude 4.x always reports the cache, Nova only when caching", async () => {
    const claude = JSON.parse((await post(HAIKU_45, "converse", { messages: [user("Hello there")] })).body).usage;
    assert.deepEqual(
      [claude.cacheReadInputTokenCount, claude.cacheReadInputTokens, claude.cacheWriteInputTokenCount, claude.cacheWriteInputTokens],
      [0, 0, 0, 0],
    );
    const nova = JSON.parse((await post(NOVA, "converse", { messages: [user("Hello there")] })).body).usage;
    assert.deepEqual(Object.keys(nova), ["inputTokens", "outputTokens", "serverToolUsage", "totalTokens"]);
    const novaCached = JSON.parse((await post(NOVA, "converse", { messages: cached("nova-wire") })).body).usage;
    assert.ok(novaCached.cacheWriteInputTokens >= 1024);
    assert.equal(novaCached.cacheWriteInputTokenCount, novaCached.cacheWriteInputTokens);
    assert.equal(novaCached.cacheDetails, undefined);
  });

  test("InvokeModel cache headers; its stream: Content-Type header, padding on every chunk", async () => {
    const novaBody = { messages: [user("What is 2+2?")], inferenceConfig: { maxTokens: 64 } };
    const invoked = await post(NOVA, "invoke", novaBody);
    assert.equal(invoked.headers["x-amzn-bedrock-cache-read-input-token-count"], "0");
    assert.equal(invoked.headers["x-amzn-bedrock-cache-write-input-token-count"], "0");
    const claudeBody = { anthropic_version: "bedrock-2023-05-31", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] };
    const old = await post(HAIKU_3, "invoke", claudeBody);
    assert.equal(old.headers["x-amzn-bedrock-cache-read-input-token-count"], undefined);
    assert.ok(old.headers["x-amzn-bedrock-input-token-count"]);

    const stream = await post(NOVA, "invoke-with-response-stream", novaBody);
    assert.equal(stream.headers["x-amzn-bedrock-content-type"], "application/json");
    assert.equal(stream.headers["transfer-encoding"], "chunked");
    assert.equal(stream.headers["x-amzn-bedrock-input-token-count"], undefined);
    const chunks = events(stream.body);
    assert.ok(chunks.length > 2);
    for (const chunk of chunks) {
      assert.equal(chunk.type, "chunk");
      assert.deepEqual(Object.keys(chunk.json), ["bytes", "p"]);
      assert.ok(chunk.json.p.length > 0 && PADDING_ALPHABET.startsWith(chunk.json.p), chunk.payload);
    }
    const last = JSON.parse(Buffer.from(chunks.at(-1).json.bytes, "base64"));
    assert.equal(last["amazon-bedrock-invocationMetrics"].cacheReadInputTokenCount, 0);
    assert.equal(last["amazon-bedrock-invocationMetrics"].cacheWriteInputTokenCount, 0);
  });

  test("guardrail trace: automated-reasoning usage, details, modelOutput [] on a blocked input, usage 0", async () => {
    const guardrailConfig = { guardrailIdentifier: GUARDRAIL_ID, guardrailVersion: "DRAFT", trace: "enabled" };
    const performanceConfig = { latency: "standard" };
    const passed = JSON.parse(
      (await post(NOVA, "converse", { messages: [user("Tell me about lighthouses")], guardrailConfig, performanceConfig })).body,
    );
    assert.deepEqual(passed.performanceConfig, performanceConfig);
    const input = passed.trace.guardrail.inputAssessment[GUARDRAIL_ID];
    assert.deepEqual(input.appliedGuardrailDetails.guardrailOrigin, ["REQUEST"]);
    assert.equal(input.appliedGuardrailDetails.guardrailOwnership, "SELF");
    assert.equal(input.invocationMetrics.usage.automatedReasoningPolicies, 0);
    assert.equal(input.invocationMetrics.usage.automatedReasoningPolicyUnits, 0);

    const blocked = JSON.parse(
      (await post(SONNET_45, "converse", { messages: [user("pineapple please")], guardrailConfig, performanceConfig })).body,
    );
    assert.equal(blocked.stopReason, "guardrail_intervened");
    assert.deepEqual(blocked.trace.guardrail.modelOutput, []);
    assert.deepEqual(blocked.performanceConfig, performanceConfig);
    const { serverToolUsage, ...counts } = blocked.usage;
    assert.deepEqual(serverToolUsage, {});
    assert.deepEqual(new Set(Object.values(counts)), new Set([0]));
    assert.equal(counts.cacheWriteInputTokens, 0);
  });

  test("error headers carry the Bedrock namespace", async () => {
    const invalid = await http1Request(server.port, "POST", path("sonnet", "converse"), { messages: [user("Hi")] });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.headers["x-amzn-errortype"], `ValidationException${NAMESPACE}`);
    const throttled = await http1Request(server.port, "POST", path(NOVA, "converse"), {
      messages: [user("please throttle me")],
    });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers["x-amzn-errortype"], `ThrottlingException${NAMESPACE}`);
  });
});

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    test("cacheDetails on a Sonnet 4.5 cache write, with the cachePoint's ttl", async () => {
      for (const [ttl, expected] of [[undefined, "5m"], ["1h", "1h"]]) {
        const messages = cached(`${kind}-${expected}`, ttl);
        const write = (await client.send(new ConverseCommand({ modelId: SONNET_45, messages }))).usage;
        assert.deepEqual(write.cacheDetails, [{ inputTokens: write.cacheWriteInputTokens, ttl: expected }]);
        assert.equal(write.totalTokens, write.inputTokens + write.outputTokens + write.cacheWriteInputTokens);
        const read = (await client.send(new ConverseCommand({ modelId: SONNET_45, messages }))).usage;
        assert.equal(read.cacheDetails, undefined);
        assert.equal(read.cacheReadInputTokens, write.cacheWriteInputTokens);
      }
      const plain = (await client.send(new ConverseCommand({ modelId: SONNET_45, messages: [user("Hi")] }))).usage;
      assert.equal(plain.cacheReadInputTokens, 0);
      assert.equal(plain.cacheWriteInputTokens, 0);
    });

    test("latencyMs is positive on Converse and in the stream's metadata", async () => {
      const response = await client.send(new ConverseCommand({ modelId: NOVA, messages: [user("Hi")] }));
      assert.ok(response.metrics.latencyMs >= 1);
      const stream = await client.send(new ConverseStreamCommand({ modelId: NOVA, messages: [user("Hi")] }));
      let metadata;
      for await (const event of stream.stream) if (event.metadata) metadata = event.metadata;
      assert.ok(metadata.metrics.latencyMs >= 1);
    });

    test("the SDK reads the error code before the namespace", async () => {
      await assert.rejects(client.send(new ConverseCommand({ modelId: "sonnet", messages: [user("Hi")] })), (error) => {
        assert.ok(error instanceof ValidationException, error.name);
        assert.equal(error.name, "ValidationException");
        return true;
      });
      await assert.rejects(
        client.send(new ConverseCommand({ modelId: NOVA, messages: [user("please throttle me")] })),
        (error) => {
          assert.ok(error instanceof ThrottlingException, error.name);
          return true;
        },
      );
    });
  });
}
