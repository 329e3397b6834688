// Scenarios and fault injection end to end with the AWS SDK for JavaScript v3, once with the
// default client (HTTP/2 h2c) and once with NodeHttpHandler (HTTP/1.1). Each test resets the
// emulator, loads a scenario through the admin API, drives the SDK and checks both what the
// client saw and what the request journal (GET /_emulator/requests) recorded.
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, beforeEach, describe, test } from "node:test";

import {
  AccessDeniedException,
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  ConverseCommand,
  ConverseStreamCommand,
  InternalServerException,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelErrorException,
  ModelNotReadyException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { CLIENT_KINDS, assistant, http1Request, http2Request, makeClient, startEmulator, user } from "./harness.mjs";

const NOVA = "amazon.nova-micro-v1:0";
const HAIKU35 = "anthropic.claude-3-5-haiku-20241022-v1:0";
const HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0";
const HANG_MESSAGE = "Model has timed out in processing the request. Try your request again.";
const QUOTA_MESSAGE = "Too many requests, please wait before trying again.";
const NATIVE_NOVA = { messages: [{ role: "user", content: [{ text: "Tell me about streams" }] }], inferenceConfig: { maxTokens: 60 } };
const NATIVE_CLAUDE = { anthropic_version: "bedrock-2023-05-31", messages: [{ role: "user", content: "hi" }] };
// No SDK call may hang a test: faults that a client does not notice end at this deadline.
const DEADLINE_MS = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (events) => events.map((event) => Object.keys(event)[0]);
const chunkJson = (event) => JSON.parse(decoder.decode(event.chunk.bytes));
const textOf = (response) => response.output.message.content.find((block) => "text" in block)?.text;

// Every event of an SDK event stream, the error that ended it (or null), and arrival times.
async function drain(stream) {
  const events = [];
  const times = [];
  try {
    for await (const event of stream) {
      events.push(event);
      times.push(performance.now());
    }
  } catch (error) {
    return { events, times, error };
  }
  return { events, times, error: null };
}

// As drain(), for a stream still to be opened: the SDK reads the first event before it returns
// the response, so a failure on event 0 rejects the call itself.
async function openAndDrain(open) {
  let stream;
  try {
    stream = await open();
  } catch (error) {
    return { events: [], times: [], error };
  }
  return drain(stream);
}

// Latencies vary from call to call; everything else in a stream is deterministic.
function comparable(events) {
  return events.map((event) => {
    const copy = structuredClone(event);
    if (copy.metadata) delete copy.metadata.metrics;
    if (copy.chunk) {
      const chunk = chunkJson(event);
      const metrics = chunk["amazon-bedrock-invocationMetrics"];
      if (metrics) chunk["amazon-bedrock-invocationMetrics"] = [metrics.inputTokenCount, metrics.outputTokenCount];
      return { chunk };
    }
    return copy;
  });
}

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0, "emulator should exit with 0 on SIGTERM");
});

async function admin(method, path, body) {
  const response = await http1Request(server.port, method, path, body);
  return { status: response.status, body: response.body.length ? JSON.parse(response.body) : null };
}
async function reset() {
  const { status } = await admin("POST", "/_emulator/reset");
  assert.equal(status, 200);
}
async function load(rules, extra = {}) {
  const scenario = { name: "test", rules, ...extra };
  const { status, body } = await admin("POST", "/_emulator/scenarios", scenario);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body, { name: scenario.name, loaded: true });
}
async function journal(query = {}) {
  const { status, body } = await admin("GET", `/_emulator/requests?${new URLSearchParams(query)}`);
  assert.equal(status, 200);
  return body.requests;
}
// The journal once it holds `count` entries and every stream in it has finished.
async function settledJournal(count, query = {}) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const entries = await journal(query);
    const done = entries.length >= count && entries.every((entry) => entry.streamComplete !== false);
    if (done || Date.now() > deadline) {
      assert.equal(entries.length, count, JSON.stringify(entries));
      return entries;
    }
    await sleep(20);
  }
}
async function scenarioStatus(name = "test") {
  const { body } = await admin("GET", "/_emulator/scenarios");
  return body.scenarios.find((scenario) => scenario.name === name);
}
const attemptNumber = (entry) => Number(/^attempt=(\d+)/.exec(entry.attempt)[1]);

// Journal entries of one SDK call: one invocation id, attempts 1..N in order.
function assertOneInvocation(entries, attempts) {
  assert.equal(entries.length, attempts, JSON.stringify(entries));
  assert.ok(entries[0].invocationId);
  assert.equal(new Set(entries.map((entry) => entry.invocationId)).size, 1);
  assert.deepEqual(entries.map(attemptNumber), Array.from({ length: attempts }, (_, i) => i + 1));
}

// A client with the SDK's default retry strategy (no maxAttempts), except that the back-off
// delays it computes are recorded in `delays` and replaced by 5 ms to keep the tests fast.
async function retryingClient(kind) {
  const client = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: server.endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    ...(kind === "http1-NodeHttpHandler" ? { requestHandler: new NodeHttpHandler() } : {}),
  });
  client.delays = [];
  const strategy = await client.config.retryStrategy(); // memoized: the instance every call uses
  strategy.retryBackoffStrategy.computeNextBackoffDelay = (attempt) => (client.delays.push(attempt), 5);
  return client;
}

const ERRORS = [
  // [class, HTTP status, attempts with the default retry strategy]
  [ThrottlingException, 429, 3],
  [ValidationException, 400, 1],
  [AccessDeniedException, 403, 1],
  [ResourceNotFoundException, 404, 1],
  [ModelTimeoutException, 408, 1],
  [ModelErrorException, 424, 1],
  [ServiceQuotaExceededException, 400, 1],
  [ModelNotReadyException, 429, 3],
  [InternalServerException, 500, 3],
  [ServiceUnavailableException, 503, 3],
];

for (const kind of CLIENT_KINDS) {
  const httpVersion = kind === "http2-default" ? "HTTP/2" : "HTTP/1.1";
  const h2 = httpVersion === "HTTP/2";

  describe(`scenarios: ${kind}`, { timeout: 180000 }, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());
    beforeEach(async () => {
      await reset();
      assert.deepEqual(await journal(), []);
    });

    const send = (command, on = client) => on.send(command, { abortSignal: AbortSignal.timeout(DEADLINE_MS * 3) });
    const converse = (text = "Hello", modelId = NOVA, extra = {}, on = client) =>
      send(new ConverseCommand({ modelId, messages: [user(text)], ...extra }), on);
    const converseStream = async (text = "Hello there, stream please", modelId = NOVA, extra = {}, signal) => {
      const response = await client.send(
        new ConverseStreamCommand({ modelId, messages: [user(text)], ...extra }),
        { abortSignal: signal ?? AbortSignal.timeout(DEADLINE_MS * 3) },
      );
      assert.equal(response.$metadata.httpStatusCode, 200);
      return response.stream;
    };
    const invoke = (body = NATIVE_NOVA, modelId = NOVA) =>
      send(new InvokeModelCommand({ modelId, body: encoder.encode(JSON.stringify(body)), contentType: "application/json" }));
    const invokeStream = async (body = NATIVE_NOVA, modelId = NOVA, signal) => {
      const response = await client.send(
        new InvokeModelWithResponseStreamCommand({ modelId, body: encoder.encode(JSON.stringify(body)), contentType: "application/json" }),
        { abortSignal: signal ?? AbortSignal.timeout(DEADLINE_MS * 3) },
      );
      assert.equal(response.$metadata.httpStatusCode, 200);
      return response.body;
    };
    const STREAMING = ["ConverseStream", "InvokeModelWithResponseStream"];
    // Opens one of the two event streams, on `on` (default: the shared client).
    const openStream = async (operation, { on = client, signal = AbortSignal.timeout(DEADLINE_MS * 3) } = {}) => {
      const command =
        operation === "ConverseStream"
          ? new ConverseStreamCommand({ modelId: NOVA, messages: [user("Hello there, stream please")] })
          : new InvokeModelWithResponseStreamCommand({ modelId: NOVA, body: encoder.encode(JSON.stringify(NATIVE_NOVA)), contentType: "application/json" });
      const response = await on.send(command, { abortSignal: signal });
      assert.equal(response.$metadata.httpStatusCode, 200);
      return response.stream ?? response.body;
    };
    // Faults that break a connection get a client of their own, so no broken connection is reused.
    const withOwnClient = async (fn) => {
      const own = makeClient(server.endpoint, kind);
      try {
        return await fn(own);
      } finally {
        own.destroy();
      }
    };

    // -- error rules -----------------------------------------------------------------------
    test("a prompt ARN runs the scenario's prompt with its variables, streamed or not", async () => {
      const promptArn = "arn:aws:bedrock:us-east-1:123456789012:prompt/SUPPORT001:1";
      await load([], {
        prompts: [{
          promptIdentifier: "SUPPORT001", version: 1,
          variants: [{ name: "v1", modelId: NOVA, templateType: "TEXT",
                       templateConfiguration: { text: { text: "Explain {{topic}} simply." } } }],
        }],
      });
      const promptVariables = { topic: { text: "tides" } };
      const viaPrompt = await send(new ConverseCommand({ modelId: promptArn, promptVariables }));
      const direct = await converse("Explain tides simply.");
      assert.equal(textOf(viaPrompt), textOf(direct));
      const response = await client.send(new ConverseStreamCommand({ modelId: promptArn, promptVariables }));
      const { events, error } = await drain(response.stream);
      assert.equal(error, null);
      const streamed = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta.delta.text).join("");
      assert.equal(streamed, textOf(direct));
      await assert.rejects(send(new ConverseCommand({ modelId: promptArn, promptVariables: {} })), ValidationException);
      await assert.rejects(
        send(new ConverseCommand({ modelId: promptArn.replace(/:1$/, ":2"), promptVariables })),
        ResourceNotFoundException,
      );
    });

    test("error rules raise the modelled exception with status and message", async () => {
      for (const [ErrorClass, status] of ERRORS) {
        await reset();
        const message = `scripted ${ErrorClass.name}`;
        await load([{ name: "boom", match: { operation: ["Converse", "ConverseStream"] }, error: { type: ErrorClass.name, message } }]);
        for (const call of [() => converse(), () => converseStream()]) {
          await assert.rejects(call(), (error) => {
            assert.ok(error instanceof ErrorClass, `${ErrorClass.name}: got ${error.name}`);
            assert.ok(error instanceof BedrockRuntimeServiceException);
            assert.equal(error.name, ErrorClass.name);
            assert.equal(error.message, message);
            assert.equal(error.$metadata.httpStatusCode, status);
            assert.equal(error.$fault, status >= 500 ? "server" : "client");
            return true;
          });
        }
        const entries = await journal();
        assert.deepEqual(entries.map((entry) => entry.operation), ["Converse", "ConverseStream"]);
        for (const entry of entries) {
          assert.equal(entry.status, status);
          assert.equal(entry.exception, ErrorClass.name);
          assert.deepEqual([entry.scenario, entry.rule, entry.ruleName], ["test", 0, "boom"]);
          assert.equal(entry.httpVersion, httpVersion);
          assert.equal(entry.modelId, NOVA);
          assert.equal(entry.fault, null);
        }
        // InvokeModel is not matched by the rule.
        assert.equal((await invoke()).$metadata.httpStatusCode, 200);
        assert.equal((await journal({ operation: "InvokeModel" }))[0].rule, null);
      }
    });

    test("ModelErrorException carries originalStatusCode and resourceName", async () => {
      await load([{ error: { type: "ModelErrorException", message: "The model failed.", originalStatusCode: 502, resourceName: "my-model-resource" } }]);
      await assert.rejects(invoke(), (error) => {
        assert.ok(error instanceof ModelErrorException);
        assert.equal(error.$metadata.httpStatusCode, 424);
        assert.equal(error.message, "The model failed.");
        assert.equal(error.originalStatusCode, 502);
        assert.equal(error.resourceName, "my-model-resource");
        return true;
      });
      const [entry] = await journal();
      assert.deepEqual([entry.operation, entry.exception, entry.status], ["InvokeModel", "ModelErrorException", 424]);
    });

    test("retries per exception type are counted in the journal", async () => {
      const retrying = await retryingClient(kind);
      try {
        assert.equal(await retrying.config.maxAttempts(), 3, "the SDK default");
        for (const [ErrorClass, , attempts] of ERRORS) {
          await reset();
          retrying.delays.length = 0;
          await load([{ error: { type: ErrorClass.name, message: "again" } }]);
          await assert.rejects(converse("x", NOVA, {}, retrying), ErrorClass);
          const entries = await journal();
          assertOneInvocation(entries, attempts);
          if (attempts > 1) assert.equal(entries.at(-1).attempt, `attempt=${attempts}; max=3`);
          assert.equal(retrying.delays.length, attempts - 1, ErrorClass.name);
          assert.ok(entries.every((entry) => entry.exception === ErrorClass.name));
        }
      } finally {
        retrying.destroy();
      }
    });

    test("times: 2 throttling, then the call succeeds after retries", async () => {
      const retrying = await retryingClient(kind);
      try {
        await load([{ name: "throttle-twice", times: 2, error: { type: "ThrottlingException", message: "Slow down." } }]);
        const response = await converse("Will this work?", NOVA, {}, retrying);
        assert.equal(response.stopReason, "end_turn");
        assert.equal(response.$metadata.attempts, 3);
        const entries = await journal();
        assertOneInvocation(entries, 3);
        assert.deepEqual(entries.map((entry) => entry.status), [429, 429, 200]);
        assert.deepEqual(entries.map((entry) => entry.exception), ["ThrottlingException", "ThrottlingException", null]);
        assert.deepEqual(entries.map((entry) => entry.rule), [0, 0, null]);
        assert.deepEqual((await scenarioStatus()).rulesApplied, [2]);
      } finally {
        retrying.destroy();
      }
    });

    // -- stream errors ---------------------------------------------------------------------
    test("ConverseStream: modelStreamErrorException after N events", async () => {
      const baseline = (await drain(await converseStream())).events.length;
      for (const afterEvents of [0, 1, 3]) {
        await reset();
        await load([{
          streamError: { afterEvents, type: "modelStreamErrorException", message: "The model stream failed.", originalStatusCode: 500, originalMessage: "upstream" },
        }]);
        const { events, error } = await openAndDrain(() => converseStream());
        assert.equal(events.length, afterEvents);
        assert.ok(events.length < baseline);
        assert.ok(error instanceof ModelStreamErrorException, `got ${error}`);
        assert.equal(error.message, "The model stream failed.");
        assert.equal(error.originalStatusCode, 500);
        assert.equal(error.originalMessage, "upstream");
        const [entry] = await settledJournal(1);
        assert.equal(entry.status, 200);
        assert.equal(entry.eventsSent, afterEvents);
        assert.equal(entry.streamComplete, true);
        assert.equal(entry.streamEndedWith, "modelStreamErrorException");
      }
    });

    test("InvokeModelWithResponseStream: throttlingException after 2 chunks", async () => {
      await load([{ match: { operation: "InvokeModelWithResponseStream" }, streamError: { afterEvents: 2, type: "throttlingException", message: "Too fast." } }]);
      const { events, error } = await drain(await invokeStream());
      assert.deepEqual(names(events), ["chunk", "chunk"]);
      assert.ok(error instanceof ThrottlingException, `got ${error}`);
      assert.equal(error.message, "Too fast.");
      const [entry] = await settledJournal(1);
      assert.deepEqual([entry.eventsSent, entry.streamEndedWith], [2, "throttlingException"]);
    });

    test("unmodelled error frame surfaces its error code", async () => {
      await load([{ streamError: { afterEvents: 2, type: "error", errorCode: "InternalFailure", message: "Something broke inside." } }]);
      for (const operation of STREAMING) {
        const { events, error } = await drain(await openStream(operation));
        assert.equal(events.length, 2, operation);
        assert.ok(error, operation);
        assert.equal(error.name, "InternalFailure");
        assert.equal(error.message, "Something broke inside.");
      }
      const entries = await settledJournal(2);
      assert.deepEqual(entries.map((entry) => entry.streamEndedWith), ["InternalFailure", "InternalFailure"]);
      assert.deepEqual(entries.map((entry) => entry.eventsSent), [2, 2]);
    });

    // -- faults ----------------------------------------------------------------------------
    test("reset/empty/garbage on unary calls: a client error, the fault in the journal, no status", async () => {
      for (const fault of ["reset", "empty", "garbage"]) {
        await reset();
        await load([{ fault }]);
        for (const Command of [ConverseCommand, InvokeModelCommand]) {
          const input =
            Command === ConverseCommand
              ? { modelId: NOVA, messages: [user("hi")] }
              : { modelId: NOVA, body: encoder.encode(JSON.stringify(NATIVE_NOVA)), contentType: "application/json" };
          // Node's HTTP/2 client does not notice a connection closed in the middle of a garbage
          // frame: for it this call ends at the deadline.
          await withOwnClient((own) =>
            assert.rejects(own.send(new Command(input), { abortSignal: AbortSignal.timeout(DEADLINE_MS) }), (error) => {
              assert.ok(!(error instanceof BedrockRuntimeServiceException), `${fault}: ${error.name}`);
              assert.equal(error.$metadata?.httpStatusCode, undefined);
              return true;
            }),
          );
        }
        const entries = await journal();
        assert.deepEqual(entries.map((entry) => entry.operation), ["Converse", "InvokeModel"], fault);
        for (const entry of entries) {
          assert.equal(entry.fault, fault);
          assert.equal(entry.status, null);
          assert.equal(entry.exception, null);
          assert.equal(entry.httpVersion, httpVersion);
        }
      }
      await admin("DELETE", "/_emulator/scenarios");
      assert.equal((await converse()).stopReason, "end_turn", "the server still answers");
    });

    test("reset/empty/garbage mid-stream after 2 events", async () => {
      for (const fault of ["reset", "empty", "garbage"]) {
        for (const operation of STREAMING) {
          await reset();
          await load([{ fault, afterEvents: 2, latency: { betweenEventsMs: 20 } }]);
          const { events, error } = await withOwnClient(async (own) =>
            drain(await openStream(operation, { on: own, signal: AbortSignal.timeout(DEADLINE_MS) })),
          );
          const label = `${fault} ${operation}`;
          assert.equal(events.length, 2, label);
          assert.ok(!names(events).includes("messageStop"), label);
          // Node's HTTP/2 client ends a stream quietly when the whole connection goes away
          // (empty) and does not notice a close in the middle of a garbage frame.
          if (!h2 || fault === "reset") {
            assert.ok(error, `${label}: the client should fail`);
            assert.ok(!(error instanceof BedrockRuntimeServiceException), `${label}: ${error.name}`);
          }
          const [entry] = await settledJournal(1);
          assert.equal(entry.status, 200, label); // the head went out before the fault
          assert.equal(entry.fault, fault, label);
          assert.equal(entry.eventsSent, 2, label);
          assert.equal(entry.streamEndedWith, fault, label);
        }
      }
    });

    test(
      "reset mid-stream right after back-to-back events fails the client",
      {},
      async () => {
        for (const operation of STREAMING) {
          await reset();
          await load([{ fault: "reset", afterEvents: 2 }]);
          const { events, error } = await withOwnClient(async (own) =>
            drain(await openStream(operation, { on: own, signal: AbortSignal.timeout(DEADLINE_MS) })),
          );
          assert.equal(events.length, 2, operation);
          assert.ok(error, `${operation}: the client should see the reset`);
          const [entry] = await settledJournal(1);
          assert.deepEqual([entry.eventsSent, entry.streamEndedWith], [2, "reset"]);
        }
      },
    );

    test("truncate: streams end without their closing events and without an error", async () => {
      const full = names((await drain(await openStream("ConverseStream"))).events);
      const fullChunks = (await drain(await openStream("InvokeModelWithResponseStream"))).events.map(chunkJson);
      assert.deepEqual(full.slice(-2), ["messageStop", "metadata"]);
      assert.ok("amazon-bedrock-invocationMetrics" in fullChunks.at(-1));
      await reset();
      await load([{ fault: "truncate" }]);

      const converseRun = await drain(await openStream("ConverseStream"));
      assert.equal(converseRun.error, null);
      assert.deepEqual(names(converseRun.events), full.slice(0, -2));
      assert.equal(names(converseRun.events).at(-1), "contentBlockStop");
      const invokeRun = await drain(await openStream("InvokeModelWithResponseStream"));
      assert.equal(invokeRun.error, null);
      assert.equal(invokeRun.events.length, fullChunks.length - 1);
      assert.deepEqual(invokeRun.events.map(chunkJson), fullChunks.slice(0, -1));

      const entries = await settledJournal(2);
      assert.deepEqual(entries.map((entry) => entry.eventsSent), [converseRun.events.length, invokeRun.events.length]);
      assert.deepEqual(entries.map((entry) => entry.streamEndedWith), ["truncate", "truncate"]);
      assert.deepEqual(entries.map((entry) => entry.httpVersion), [httpVersion, httpVersion]);
    });

    test("truncate: unary bodies are cut half-way", async () => {
      await load([{ fault: "truncate" }]);
      for (const call of [() => converse(), () => invoke()]) {
        await withOwnClient(async () =>
          assert.rejects(call(), (error) => {
            assert.ok(!(error instanceof BedrockRuntimeServiceException), error.name);
            return true;
          }),
        );
      }
      const entries = await journal();
      assert.deepEqual(
        entries.map((entry) => [entry.operation, entry.status, entry.fault]),
        [["Converse", 200, "truncate"], ["InvokeModel", 200, "truncate"]],
      );
    });

    test("corrupt prelude/message CRC: a checksum error after afterEvents events", async () => {
      for (const fault of ["corruptPreludeCrc", "corruptMessageCrc"]) {
        for (const afterEvents of [0, 2]) {
          for (const operation of STREAMING) {
            const label = `${fault} ${afterEvents} ${operation}`;
            await reset();
            await load([{ fault, afterEvents }]);
            const { events, error } = await openAndDrain(() => openStream(operation));
            assert.equal(events.length, afterEvents, label);
            assert.ok(error, label);
            assert.match(error.message, /checksum/i, label);
            assert.ok(!(error instanceof BedrockRuntimeServiceException), label);
            const [entry] = await settledJournal(1);
            assert.equal(entry.fault, fault);
            assert.equal(entry.eventsSent, afterEvents + 1, label); // the corrupt frame went out
            assert.equal(entry.streamEndedWith, fault);
          }
        }
      }
    });

    test("splitFrames: every event still arrives, unchanged", async () => {
      const reference = (await drain(await openStream("ConverseStream"))).events;
      const referenceChunks = (await drain(await openStream("InvokeModelWithResponseStream"))).events;
      await reset();
      await load([{ fault: "splitFrames" }]);
      const converseRun = await drain(await openStream("ConverseStream"));
      assert.equal(converseRun.error, null);
      assert.deepEqual(comparable(converseRun.events), comparable(reference));
      const invokeRun = await drain(await openStream("InvokeModelWithResponseStream"));
      assert.equal(invokeRun.error, null);
      assert.deepEqual(comparable(invokeRun.events), comparable(referenceChunks));
      const entries = await settledJournal(2);
      assert.deepEqual(entries.map((entry) => entry.eventsSent), [reference.length, referenceChunks.length]);
      assert.deepEqual(entries.map((entry) => entry.fault), ["splitFrames", "splitFrames"]);
      assert.ok(entries.every((entry) => entry.streamEndedWith === undefined));
    });

    test("hang: ModelTimeoutException after timeoutMs", async () => {
      await load([{ fault: "hang", timeoutMs: 300 }]);
      for (const call of [() => converse(), () => openStream("ConverseStream")]) {
        const started = performance.now();
        await assert.rejects(call(), (error) => {
          assert.ok(error instanceof ModelTimeoutException, error.name);
          assert.equal(error.message, HANG_MESSAGE);
          assert.equal(error.$metadata.httpStatusCode, 408);
          return true;
        });
        assert.ok(performance.now() - started >= 300);
      }
      for (const entry of await journal()) {
        assert.deepEqual([entry.status, entry.exception, entry.fault], [408, "ModelTimeoutException", "hang"]);
        assert.ok(entry.durationMs >= 300, String(entry.durationMs));
      }
    });

    // -- response scripting ----------------------------------------------------------------
    test("scripted text, stopReason and usage", async () => {
      const text = "Scripted answer: the sky is green today.";
      await load([{ response: { text, stopReason: "max_tokens", usage: { inputTokens: 11, outputTokens: 22 } } }]);
      const response = await converse();
      assert.deepEqual(response.output.message.content, [{ text }]);
      assert.equal(response.stopReason, "max_tokens");
      assert.deepEqual([response.usage.inputTokens, response.usage.outputTokens, response.usage.totalTokens], [11, 22, 33]);

      const { events } = await drain(await converseStream());
      const deltas = events.filter((event) => event.contentBlockDelta).map((event) => event.contentBlockDelta.delta.text);
      assert.equal(deltas.join(""), text);
      assert.equal(events.find((event) => event.messageStop).messageStop.stopReason, "max_tokens");
      const { usage } = events.at(-1).metadata;
      assert.deepEqual([usage.inputTokens, usage.outputTokens], [11, 22]);
      assert.deepEqual((await settledJournal(2)).map((entry) => entry.rule), [0, 0]);
    });

    test("scripted toolUse", async () => {
      const input = { city: "Lisbon", days: 3, units: "metric" };
      await load([{ response: { toolUse: { name: "get_weather", input } } }]);
      const response = await converse("What is the weather?");
      assert.equal(response.stopReason, "tool_use");
      const [block] = response.output.message.content;
      assert.equal(block.toolUse.name, "get_weather");
      assert.deepEqual(block.toolUse.input, input);
      assert.ok(block.toolUse.toolUseId);

      const { events } = await drain(await converseStream("What is the weather?"));
      const start = events.find((event) => event.contentBlockStart).contentBlockStart.start.toolUse;
      assert.deepEqual([start.name, start.toolUseId], ["get_weather", block.toolUse.toolUseId]);
      const pieces = events.filter((event) => event.contentBlockDelta).map((event) => event.contentBlockDelta.delta.toolUse.input);
      assert.deepEqual(JSON.parse(pieces.join("")), input);
      assert.equal(events.find((event) => event.messageStop).messageStop.stopReason, "tool_use");
    });

    test("scripted reasoning", async () => {
      const reasoning = "First, consider the question carefully.";
      await load([{ response: { reasoning, text: "The answer is 42." } }]);
      const response = await converse("Think", HAIKU35);
      const { content } = response.output.message;
      assert.equal(content[0].reasoningContent.reasoningText.text, reasoning);
      assert.deepEqual(content.at(-1), { text: "The answer is 42." });

      const { events } = await drain(await converseStream("Think", HAIKU35));
      const deltas = events.filter((event) => event.contentBlockDelta).map((event) => event.contentBlockDelta.delta);
      assert.equal(deltas.filter((delta) => delta.reasoningContent?.text).map((delta) => delta.reasoningContent.text).join(""), reasoning);
      assert.equal(deltas.filter((delta) => delta.text !== undefined).map((delta) => delta.text).join(""), "The answer is 42.");
    });

    test("scripted raw InvokeModel body", async () => {
      const body = { id: "raw-1", custom: ["any", "shape", 3], nested: { ok: true } };
      await load([{ match: { operation: "InvokeModel" }, response: { body } }]);
      const response = await invoke({ ...NATIVE_CLAUDE, max_tokens: 10 }, HAIKU3);
      assert.deepEqual(JSON.parse(decoder.decode(response.body)), body);
      const [entry] = await journal();
      assert.deepEqual([entry.operation, entry.modelId, entry.rule], ["InvokeModel", HAIKU3, 0]);
    });

    test("scripted raw stream chunks", async () => {
      const chunks = [{ type: "first", n: 1 }, { type: "middle", text: "héllo" }, { type: "last", n: 3 }];
      await load([{ match: { operation: "InvokeModelWithResponseStream" }, response: { chunks, usage: { inputTokens: 5, outputTokens: 7 } } }]);
      const received = (await drain(await invokeStream())).events.map(chunkJson);
      assert.deepEqual(received.slice(0, -1), chunks.slice(0, -1));
      const { "amazon-bedrock-invocationMetrics": metrics, ...last } = received.at(-1);
      assert.deepEqual(last, chunks.at(-1));
      assert.deepEqual([metrics.inputTokenCount, metrics.outputTokenCount], [5, 7]);
      assert.equal((await settledJournal(1))[0].eventsSent, 3);
    });

    test("chunkSize sets the text delta lengths", async () => {
      const text = "abcdefghijklmnopqr"; // 18 characters
      await load([{ response: { text, chunkSize: 4 } }]);
      const { events } = await drain(await converseStream());
      const deltas = events.filter((event) => event.contentBlockDelta).map((event) => event.contentBlockDelta.delta.text);
      assert.deepEqual(deltas.map((delta) => delta.length), [4, 4, 4, 4, 2]);
      assert.equal(deltas.join(""), text);
      assert.equal((await settledJournal(1))[0].eventsSent, events.length);
    });

    // -- latency ---------------------------------------------------------------------------
    test("latency: firstByteMs", async () => {
      await load([{ latency: { firstByteMs: 300 } }]);
      let started = performance.now();
      await converse();
      assert.ok(performance.now() - started >= 300);

      started = performance.now();
      const { events, times } = await drain(await converseStream());
      assert.ok(times[0] - started >= 300, `first event after ${times[0] - started} ms`);
      assert.ok("messageStart" in events[0]);
      assert.deepEqual((await settledJournal(2)).map((entry) => entry.rule), [0, 0]);
    });

    test("latency: betweenEventsMs spaces the events", async () => {
      await load([{ response: { text: "abcdefgh", chunkSize: 2 }, latency: { betweenEventsMs: 60 } }]);
      const started = performance.now();
      const { events, times } = await drain(await converseStream());
      assert.equal(events.length, 8); // start, 4 deltas, block stop, message stop, metadata
      assert.ok(times[0] - started < 300, "no delay before the first event");
      const gaps = times.slice(1).map((time, i) => time - times[i]).sort((a, b) => a - b);
      assert.ok(times.at(-1) - times[0] >= 7 * 60 * 0.95, `span ${times.at(-1) - times[0]}`);
      assert.ok(gaps[Math.floor(gaps.length / 2)] >= 50, `gaps ${gaps}`);
    });

    // -- probability, state, matching ------------------------------------------------------
    test("probability with a seed gives the same sequence after a reset", async () => {
      const run = async (seed) => {
        await reset();
        await load([{ probability: 0.5, error: { type: "ThrottlingException", message: "coin" } }], { seed });
        const outcomes = [];
        for (let i = 0; i < 16; i++) {
          try {
            await converse(`call ${i}`);
            outcomes.push("ok");
          } catch (error) {
            assert.ok(error instanceof ThrottlingException, error.name);
            outcomes.push("throttled");
          }
        }
        assert.deepEqual((await journal()).map((entry) => entry.rule), outcomes.map((o) => (o === "throttled" ? 0 : null)));
        return outcomes;
      };
      const first = await run(42);
      assert.ok(first.includes("ok") && first.includes("throttled"), first.join());
      assert.deepEqual(await run(42), first);
      assert.notDeepEqual(await run(7), first);
    });

    test("state and newState", async () => {
      await load([
        { name: "one", state: "Started", newState: "Second", response: { text: "first" } },
        { name: "two", state: "Second", newState: "Third", error: { type: "ServiceUnavailableException", message: "second" } },
        { name: "three", state: "Third", newState: "Started", response: { text: "third" } },
      ]);
      assert.equal((await scenarioStatus()).state, "Started");
      const seen = [];
      for (let i = 0; i < 4; i++) {
        try {
          seen.push(textOf(await converse()));
        } catch (error) {
          assert.ok(error instanceof ServiceUnavailableException, error.name);
          seen.push("unavailable");
        }
        seen.push((await scenarioStatus()).state);
      }
      assert.deepEqual(seen, ["first", "Second", "unavailable", "Third", "third", "Started", "first", "Second"]);
      assert.deepEqual((await journal()).map((entry) => entry.ruleName), ["one", "two", "three", "one"]);
      assert.deepEqual((await scenarioStatus()).rulesApplied, [2, 1, 1]);
    });

    test("match: modelId globs and an operation list", async () => {
      await load([{ match: { modelId: ["anthropic.claude-3-5-*", "*.nova-m?cro-*"], operation: ["Converse"] }, response: { text: "glob hit" } }]);
      assert.equal(textOf(await converse("x", HAIKU35)), "glob hit");
      assert.equal(textOf(await converse("x", NOVA)), "glob hit");
      assert.notEqual(textOf(await converse("x", HAIKU3)), "glob hit");
      assert.notEqual(textOf(await converse("x", "amazon.nova-lite-v1:0")), "glob hit");
      await drain(await converseStream("x", HAIKU35)); // another operation
      assert.deepEqual((await settledJournal(5)).map((entry) => entry.rule), [0, 0, null, null, null]);
      assert.deepEqual((await journal({ modelId: HAIKU35 })).map((entry) => entry.operation), ["Converse", "ConverseStream"]);
      assert.equal((await journal({ operation: "ConverseStream" })).length, 1);
    });

    test("match: request headers", async () => {
      await load([{ match: { headers: { "x-test-tenant": "blue-*" } }, response: { text: "blue tenant" } }]);
      const tagged = (value) => {
        const command = new ConverseCommand({ modelId: NOVA, messages: [user("Hello")] });
        command.middlewareStack.add(
          (next) => (args) => {
            args.request.headers["x-test-tenant"] = value;
            return next(args);
          },
          { step: "build", name: "addTenantHeader" },
        );
        return send(command);
      };
      assert.equal(textOf(await tagged("blue-42")), "blue tenant");
      assert.notEqual(textOf(await tagged("red-42")), "blue tenant");
      assert.notEqual(textOf(await converse()), "blue tenant");
      assert.deepEqual((await journal()).map((entry) => entry.rule), [0, null, null]);
    });

    test("match: body JSON pointers", async () => {
      await load([
        { match: { operation: "Converse", body: { "/inferenceConfig/maxTokens": 77 } }, response: { text: "converse body" } },
        { match: { operation: "InvokeModel", body: { "/max_tokens": 12, "/messages/0/role": "user" } }, response: { body: { matched: "native body" } } },
      ]);
      assert.equal(textOf(await converse("Hello", NOVA, { inferenceConfig: { maxTokens: 77 } })), "converse body");
      assert.notEqual(textOf(await converse("Hello", NOVA, { inferenceConfig: { maxTokens: 78 } })), "converse body");
      assert.notEqual(textOf(await converse()), "converse body");
      const hit = await invoke({ ...NATIVE_CLAUDE, max_tokens: 12 }, HAIKU3);
      assert.deepEqual(JSON.parse(decoder.decode(hit.body)), { matched: "native body" });
      const miss = await invoke({ ...NATIVE_CLAUDE, max_tokens: 13 }, HAIKU3);
      assert.equal(JSON.parse(decoder.decode(miss.body)).matched, undefined);
      assert.deepEqual((await journal()).map((entry) => entry.rule), [0, null, null, 1, null]);
    });

    test("match: text substring and textRegex on the last user turn", async () => {
      await load([
        { match: { textRegex: "^order #[0-9]+$" }, response: { text: "regex hit" } },
        { match: { text: "refund" }, response: { text: "substring hit" } },
      ]);
      const ask = async (messages) => textOf(await send(new ConverseCommand({ modelId: NOVA, messages })));
      assert.equal(await ask([user("order #123")]), "regex hit");
      assert.notEqual(await ask([user("order #12a")]), "regex hit");
      assert.equal(await ask([user("I want a refund now")]), "substring hit");
      assert.notEqual(await ask([user("refund please"), assistant("Sure."), user("thanks")]), "substring hit");
      assert.equal(await ask([user("hello"), assistant("Hi."), user("order #9")]), "regex hit");
      assert.deepEqual((await journal()).map((entry) => entry.rule), [0, null, 1, null, 0]);
    });

    // -- service behaviours ----------------------------------------------------------------
    test("modelNotReady {calls: 2}: twice ModelNotReadyException, then success, per model", async () => {
      await load([{ name: "warm-up", modelNotReady: { calls: 2 } }]);
      for (const modelId of [NOVA, HAIKU35]) {
        for (let i = 0; i < 2; i++) {
          await assert.rejects(converse("Hello", modelId), (error) => {
            assert.ok(error instanceof ModelNotReadyException, error.name);
            assert.equal(error.$metadata.httpStatusCode, 429);
            return true;
          });
        }
        assert.equal((await converse("Hello", modelId)).stopReason, "end_turn");
      }
      for (const modelId of [NOVA, HAIKU35]) {
        const entries = await journal({ modelId });
        assert.deepEqual(entries.map((entry) => entry.status), [429, 429, 200]);
        assert.deepEqual(entries.map((entry) => entry.ruleName), ["warm-up", "warm-up", null]);
      }
    });

    test("modelNotReady is retried away by the default retry strategy", async () => {
      const retrying = await retryingClient(kind);
      try {
        await load([{ modelNotReady: { calls: 2 } }]);
        const response = await converse("Hello", NOVA, {}, retrying);
        assert.equal(response.$metadata.attempts, 3);
        const entries = await journal();
        assertOneInvocation(entries, 3);
        assert.deepEqual(entries.map((entry) => entry.status), [429, 429, 200]);
      } finally {
        retrying.destroy();
      }
    });

    test("quota requestsPerMinute: 2 — the third call is throttled", async () => {
      await load([{ name: "rpm", quota: { requestsPerMinute: 2 } }]);
      await converse();
      await converse();
      await assert.rejects(converse(), (error) => {
        assert.ok(error instanceof ThrottlingException, error.name);
        assert.equal(error.message, QUOTA_MESSAGE);
        assert.equal(error.$metadata.httpStatusCode, 429);
        return true;
      });
      await converse("Hello", HAIKU35); // another model has its own bucket
      const entries = await journal();
      assert.deepEqual(entries.map((entry) => entry.status), [200, 200, 429, 200]);
      assert.deepEqual(entries.map((entry) => entry.ruleName), [null, null, "rpm", null]);
    });
  });
}

// Connection-level view of the HTTP/2 faults: what the server puts on the wire.
describe("raw HTTP/2 stream faults", () => {
  beforeEach(reset);

  // One ConverseStream over its own session; resolves when the stream closes.
  function rawStream() {
    return new Promise((resolve, reject) => {
      import("node:http2").then(({ default: http2 }) => {
        const session = http2.connect(server.endpoint);
        const result = { status: undefined, bytes: 0, error: null, rstCode: undefined, sessionClosed: false };
        session.on("error", () => {});
        session.on("close", () => (result.sessionClosed = true));
        const stream = session.request({
          ":method": "POST",
          ":path": `/model/${encodeURIComponent(NOVA)}/converse-stream`,
          "content-type": "application/json",
        });
        stream.on("response", (headers) => (result.status = headers[":status"]));
        stream.on("data", (chunk) => (result.bytes += chunk.length));
        stream.on("error", (error) => (result.error = error));
        stream.on("close", async () => {
          result.rstCode = stream.rstCode;
          await sleep(100); // let a closed connection be noticed
          session.destroy();
          resolve(result);
        });
        stream.end(JSON.stringify({ messages: [user("Hello there, stream please")] }));
        setTimeout(() => session.destroy(), DEADLINE_MS * 2);
      }, reject);
    });
  }

  for (const [label, latency] of [
    ["with a delay between events", { betweenEventsMs: 20 }],
    ["back-to-back events", undefined],
  ]) {
    test(`reset after 2 events sends RST_STREAM (${label})`, async () => {
      await load([{ fault: "reset", afterEvents: 2, ...(latency ? { latency } : {}) }]);
      const result = await rawStream();
      assert.equal(result.status, 200);
      assert.ok(result.bytes > 0);
      assert.equal(result.rstCode, 2, "RST_STREAM INTERNAL_ERROR");
      assert.equal(result.error?.code, "ERR_HTTP2_STREAM_ERROR");
    });

    test(`empty after 2 events closes the connection (${label})`, async () => {
      await load([{ fault: "empty", afterEvents: 2, ...(latency ? { latency } : {}) }]);
      const result = await rawStream();
      assert.equal(result.status, 200);
      assert.ok(result.bytes > 0);
      assert.notEqual(result.rstCode, 0, "the stream must not end cleanly");
      assert.ok(result.sessionClosed, "the server closes the connection");
    });
  }
});

// -- admin API (both HTTP versions) -------------------------------------------------------
describe("admin API", () => {
  beforeEach(reset);

  for (const [version, request] of [
    ["HTTP/1.1", http1Request],
    ["HTTP/2", http2Request],
  ]) {
    test(`an invalid scenario is a 400 listing every problem (${version})`, async () => {
      const response = await request(server.port, "POST", "/_emulator/scenarios", {
        name: "broken",
        bogus: 1,
        rules: [{ fault: "explode" }, { error: { type: "NoSuchException" } }, { probability: 2, response: { text: "x" } }],
      });
      assert.equal(response.status, 400);
      const body = JSON.parse(response.body);
      assert.match(body.message, /^Invalid scenario: /);
      const paths = body.errors.map((error) => error.path);
      for (const expected of ["/bogus", "/rules/0/fault", "/rules/1/error/type", "/rules/2/probability"]) {
        assert.ok(paths.includes(expected), `${expected} in ${paths}`);
      }
      assert.ok(body.errors.every((error) => typeof error.message === "string" && error.message.length > 0));
      const syntax = await request(server.port, "POST", "/_emulator/scenarios", '{"name": "x", "rules": [');
      assert.equal(syntax.status, 400);
      assert.ok(JSON.parse(syntax.body).errors.length > 0);
      assert.deepEqual((await admin("GET", "/_emulator/scenarios")).body.scenarios, []);
    });

    test(`deleting an unknown scenario is a 404 (${version})`, async () => {
      const response = await request(server.port, "DELETE", "/_emulator/scenarios/not-loaded");
      assert.equal(response.status, 404);
      assert.equal(typeof JSON.parse(response.body).message, "string");
    });
  }

  test("load with comments, replace by name, list, delete one, delete all", async () => {
    const commented = '// a comment\n{"name": "life", /* inline */ "rules": [{"response": {"text": "version one"}}]}';
    const loaded = await http2Request(server.port, "POST", "/_emulator/scenarios", commented);
    assert.equal(loaded.status, 200);
    assert.deepEqual(JSON.parse(loaded.body), { name: "life", loaded: true });
    const client = makeClient(server.endpoint, "http2-default");
    try {
      const say = async () => textOf(await client.send(new ConverseCommand({ modelId: NOVA, messages: [user("Hello")] })));
      assert.equal(await say(), "version one");
      await load([{ response: { text: "version two" } }], { name: "life" });
      await load([{ match: { text: "never-sent" }, response: { text: "x" } }], { name: "other" });
      const listed = (await admin("GET", "/_emulator/scenarios")).body.scenarios;
      assert.deepEqual(listed.map((scenario) => scenario.name), ["life", "other"]);
      assert.equal(listed[0].source, "admin");
      assert.equal(listed[0].definition.rules[0].response.text, "version two");
      assert.equal(await say(), "version two");
      assert.equal((await admin("DELETE", "/_emulator/scenarios/life")).status, 200);
      assert.deepEqual((await admin("GET", "/_emulator/scenarios")).body.scenarios.map((scenario) => scenario.name), ["other"]);
      assert.notEqual(await say(), "version two");
      assert.equal((await admin("DELETE", "/_emulator/scenarios")).status, 200);
      assert.deepEqual((await admin("GET", "/_emulator/scenarios")).body.scenarios, []);
      assert.equal((await journal()).length, 3);
      assert.equal((await admin("DELETE", "/_emulator/requests")).status, 200);
      assert.deepEqual(await journal(), []);
    } finally {
      client.destroy();
    }
  });
});
