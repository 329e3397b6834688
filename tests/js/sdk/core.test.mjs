// AWS SDK for JavaScript v3 against bedrock-emulator, once with the default client (HTTP/2 h2c)
// and once with NodeHttpHandler (HTTP/1.1), plus raw node:http2 checks.
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ApplyGuardrailCommand,
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  GetAsyncInvokeCommand,
  InvokeGuardrailChecksCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { NodeHttp2Handler, NodeHttpHandler } from "@smithy/node-http-handler";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

import { CLIENT_KINDS, assistant, http1Request, http2Request, makeClient, startEmulator, user } from "./harness.mjs";

const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
const PREFIX = "This is a deterministic answer from bedrock-emulator";
const START_WITH_USER =
  "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
const ALTERNATE =
  "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";

const INVOKE_BODY = {
  anthropic_version: "bedrock-2023-05-31",
  max_tokens: 10,
  messages: [{ role: "user", content: "hi" }],
};
// Raw requests name a real catalog model, percent-encoded as the SDKs send it.
const M = `/model/${encodeURIComponent(MODEL)}`;

const textOf = (response) => response.output.message.content.map((block) => block.text).join("");
const utf8 = (text) => new TextEncoder().encode(text);

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, "emulator should exit with 0 on SIGTERM");
});

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    const converse = (messages, extra = {}) => client.send(new ConverseCommand({ modelId: MODEL, messages, ...extra }));
    const streamEvents = async (messages, extra = {}) => {
      const response = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages, ...extra }));
      assert.equal(response.$metadata.httpStatusCode, 200);
      const events = [];
      for await (const event of response.stream) events.push(event);
      return events;
    };

    test("uses the expected HTTP handler", () => {
      const expected = kind === "http2-default" ? NodeHttp2Handler : NodeHttpHandler;
      assert.ok(client.config.requestHandler instanceof expected, client.config.requestHandler.constructor.name);
    });

    test("Converse returns a parsed deterministic answer", async () => {
      const response = await converse([user("What is an emulator?")]);
      assert.equal(response.$metadata.httpStatusCode, 200);
      assert.ok(response.$metadata.requestId, "requestId from x-amzn-RequestId");
      assert.equal(response.output.message.role, "assistant");
      assert.ok(textOf(response).startsWith(PREFIX), textOf(response));
      assert.equal(response.stopReason, "end_turn");
      const { inputTokens, outputTokens, totalTokens } = response.usage;
      assert.ok(inputTokens > 0 && outputTokens > 0);
      assert.equal(totalTokens, inputTokens + outputTokens);
      assert.ok(Number.isInteger(response.metrics.latencyMs));

      const again = await converse([user("What is an emulator?")]);
      assert.equal(textOf(again), textOf(response));
      assert.deepEqual(again.usage, response.usage);
      const other = await converse([user("Something else entirely")]);
      assert.notEqual(textOf(other), textOf(response));
    });

    test("Converse maxTokens truncates", async () => {
      const response = await converse([user("Truncate me")], { inferenceConfig: { maxTokens: 5 } });
      assert.equal(response.stopReason, "max_tokens");
      assert.equal(response.usage.outputTokens, 5);
      assert.ok(textOf(response).length > 0 && PREFIX.startsWith(textOf(response)), textOf(response));
    });

    test("Converse stopSequences cut the answer", async () => {
      const response = await converse([user("Stop early")], { inferenceConfig: { stopSequences: ["deterministic"] } });
      assert.equal(response.stopReason, "stop_sequence");
      assert.equal(textOf(response), "This is a ");
    });

    test("ConverseStream sends events in order that add up to the Converse answer", async () => {
      const messages = [user("Stream this please")];
      const events = await streamEvents(messages);
      const names = events.map((event) => Object.keys(event)[0]);
      const deltas = names.filter((name) => name === "contentBlockDelta").length;
      assert.ok(deltas >= 1);
      assert.equal(names.length, deltas + 4);
      assert.deepEqual(names, [
        "messageStart",
        ...Array(deltas).fill("contentBlockDelta"),
        "contentBlockStop",
        "messageStop",
        "metadata",
      ]);
      assert.equal(events[0].messageStart.role, "assistant");

      const reference = await converse(messages);
      const deltaEvents = events.slice(1, 1 + deltas).map((event) => event.contentBlockDelta);
      assert.ok(deltaEvents.every((delta) => delta.contentBlockIndex === 0));
      assert.equal(deltaEvents.map((delta) => delta.delta.text).join(""), textOf(reference));
      assert.equal(events.at(-2).messageStop.stopReason, reference.stopReason);
      assert.deepEqual(events.at(-1).metadata.usage, reference.usage);
      assert.ok(Number.isInteger(events.at(-1).metadata.metrics.latencyMs));
    });

    test("ConverseStream maxTokens", async () => {
      const events = await streamEvents([user("Stream short")], { inferenceConfig: { maxTokens: 4 } });
      assert.equal(events.at(-2).messageStop.stopReason, "max_tokens");
      assert.equal(events.at(-1).metadata.usage.outputTokens, 4);
    });

    test("model ids with ':' and inference-profile ARNs with '/' arrive intact", async () => {
      // Each id with another form of the same model: the answer depends on the resolved model,
      // not on how its id is spelled.
      const sonnet = PROFILE_ARN.split("/").at(-1).split(".").slice(1).join(".");
      const messages = [user("Which model?")];
      const textFor = async (modelId) => textOf(await client.send(new ConverseCommand({ modelId, messages })));
      for (const [modelId, sameModel] of [
        [MODEL, `arn:aws:bedrock:us-east-1::foundation-model/${MODEL}`],
        [PROFILE_ARN, sonnet],
        [PROFILE_ARN, PROFILE_ARN.split("/").at(-1)],
      ]) {
        const viaSdk = await client.send(new ConverseCommand({ modelId, messages }));
        assert.equal(viaSdk.$metadata.httpStatusCode, 200);
        // The fully encoded id over raw HTTP gives the same text.
        const raw = await http1Request(server.port, "POST", `/model/${encodeURIComponent(modelId)}/converse`, { messages });
        assert.equal(raw.status, 200);
        assert.equal(textOf(JSON.parse(raw.body)), textOf(viaSdk));
        assert.equal(await textFor(sameModel), textOf(viaSdk), `${modelId} vs ${sameModel}`);
        const stream = await client.send(new ConverseStreamCommand({ modelId, messages }));
        let count = 0;
        for await (const _ of stream.stream) count++;
        assert.ok(count >= 5);
      }
      // Two different catalog models answer differently.
      assert.notEqual(await textFor(MODEL), await textFor(sonnet));
    });

    test("invalid conversations raise ValidationException", async () => {
      for (const [messages, expected] of [
        // Refused as real Bedrock is recorded refusing: no user turn at all, two assistant turns in
        // a row (an assistant opening and two user turns in a row were answered 200 in 2026).
        [[assistant("Hi")], START_WITH_USER],
        [[user("One"), assistant("Two"), assistant("Three")], ALTERNATE],
      ]) {
        for (const Command of [ConverseCommand, ConverseStreamCommand]) {
          await assert.rejects(client.send(new Command({ modelId: MODEL, messages })), (error) => {
            assert.ok(error instanceof ValidationException, `${Command.name}: got ${error.name}`);
            assert.equal(error.message, expected);
            assert.equal(error.$metadata.httpStatusCode, 400);
            assert.equal(error.$fault, "client");
            return true;
          });
        }
      }
    });

    test("every other operation answers or fails as a well-formed service error", async () => {
      const body = utf8(JSON.stringify(INVOKE_BODY));
      const commands = [
        new InvokeModelCommand({ modelId: MODEL, body, contentType: "application/json" }),
        new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body, contentType: "application/json" }),
        new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: [user("hi")] } } }),
        new ApplyGuardrailCommand({
          guardrailIdentifier: "g1",
          guardrailVersion: "1",
          source: "INPUT",
          content: [{ text: { text: "hi" } }],
        }),
        new InvokeGuardrailChecksCommand({}),
        new StartAsyncInvokeCommand({
          modelId: "amazon.nova-reel-v1:0",
          modelInput: {},
          outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bucket/out" } },
        }),
        new ListAsyncInvokesCommand({}),
        new GetAsyncInvokeCommand({ invocationArn: "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc" }),
      ];
      const invoked = [];
      for (const command of commands) {
        const name = command.constructor.name;
        try {
          const response = await client.send(command);
          assert.equal(response.$metadata.httpStatusCode, 200, name);
          if (name.startsWith("InvokeModel")) invoked.push(name);
          if (response.body?.[Symbol.asyncIterator]) for await (const _ of response.body);
        } catch (error) {
          assert.ok(error instanceof BedrockRuntimeServiceException, `${name}: not a service error: ${error.stack}`);
          assert.ok(error.$metadata.httpStatusCode >= 400, name);
          assert.ok(["client", "server"].includes(error.$fault), name);
          assert.equal(typeof error.message, "string", name);
          assert.ok(error.$metadata.requestId, `${name}: requestId`);
        }
      }
      // InvokeModel and its stream answer a valid native body.
      assert.deepEqual(invoked, ["InvokeModelCommand", "InvokeModelWithResponseStreamCommand"]);
      const health = await http1Request(server.port, "GET", "/_emulator/health");
      assert.equal(health.status, 200);
    });
  });
}

describe("raw HTTP/2 (h2c prior knowledge)", () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);

  function decodeFrames(body) {
    const messages = [];
    for (let offset = 0; offset < body.length; ) {
      const length = body.readUInt32BE(offset);
      messages.push(codec.decode(new Uint8Array(body.subarray(offset, offset + length))));
      offset += length;
    }
    return messages;
  }

  test("ConverseStream answers 200 with an event stream", async () => {
    const response = await http2Request(server.port, "POST", M + "/converse-stream", {
      messages: [user("Hello over h2")],
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], "application/vnd.amazon.eventstream");
    assert.ok(response.headers["x-amzn-requestid"]);
    const types = decodeFrames(response.body).map((message) => message.headers[":event-type"].value);
    assert.equal(types[0], "messageStart");
    assert.deepEqual(types.slice(-3), ["contentBlockStop", "messageStop", "metadata"]);
  });

  test("every route answers well-formed, or as a well-formed AWS error", async () => {
    const converseBody = { messages: [user("hi")] };
    for (const [method, path, body] of [
      ["POST", M + "/converse", converseBody],
      ["POST", M + "/converse-stream", converseBody],
      ["POST", M + "/invoke", INVOKE_BODY],
      ["POST", M + "/invoke-with-response-stream", INVOKE_BODY],
      ["POST", M + "/invoke-with-bidirectional-stream", {}],
      ["POST", M + "/count-tokens", { input: { converse: converseBody } }],
      ["POST", "/guardrail/g1/version/1/apply", { source: "INPUT", content: [{ text: { text: "hi" } }] }],
      ["POST", "/guardrail-checks/invoke", {}],
      ["POST", "/async-invoke", {}],
      ["GET", "/async-invoke"],
      ["GET", `/async-invoke/${encodeURIComponent("arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc")}`],
    ]) {
      const route = `${method} ${path}`;
      const response = await http2Request(server.port, method, path, body);
      const type = response.headers["content-type"] ?? "";
      assert.ok(response.headers["x-amzn-requestid"], `${route}: x-amzn-RequestId`);
      assert.doesNotMatch(type, /html/i, route);
      if (response.status === 200) {
        if (type.startsWith("application/vnd.amazon.eventstream")) assert.ok(decodeFrames(response.body).length > 0, route);
        else JSON.parse(response.body);
      } else {
        assert.ok(response.status >= 400, `${route}: status ${response.status}`);
        assert.ok(response.headers["x-amzn-errortype"], `${route}: x-amzn-ErrorType`);
        assert.equal(typeof JSON.parse(response.body).message, "string", route);
      }
      if (path.startsWith(M) && /\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.test(path)) {
        assert.equal(response.status, 200, route);
      }
    }
    const health = await http2Request(server.port, "GET", "/_emulator/health");
    assert.equal(health.status, 200);
  });

  test("unknown route is a 404 UnknownOperationException", async () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", M + "/converse"],
      ["POST", M + "/unknown-operation"],
    ]) {
      const response = await http2Request(server.port, method, path, method === "POST" ? {} : undefined);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.match(response.headers["x-amzn-errortype"], /^UnknownOperationException/);
      assert.ok(response.headers["x-amzn-requestid"]);
      assert.equal(typeof JSON.parse(response.body).message, "string");
    }
  });

  test("malformed JSON is a SerializationException and the server stays up", async () => {
    const response = await http2Request(server.port, "POST", M + "/converse", "{not json");
    assert.equal(response.status, 400);
    assert.match(response.headers["x-amzn-errortype"], /^SerializationException/);
    assert.equal(typeof JSON.parse(response.body).message, "string");
    const health = await http2Request(server.port, "GET", "/_emulator/health");
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, "ok");
  });
});

test("SIGTERM stops a server with exit code 0", async () => {
  const other = await startEmulator();
  const health = await http1Request(other.port, "GET", "/_emulator/health");
  assert.equal(health.status, 200);
  assert.equal(await other.stop(), 0);
});
