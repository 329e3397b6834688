// Nova Sonic sessions over WebSocket, as a browser runs them: the AWS SDK for JavaScript v3 with
// the browser's request handler (@aws-sdk/middleware-websocket's WebSocketFetchHandler and its
// event-stream payload handler), under Node with the `ws` package as the global WebSocket.
// The SDK turns InvokeModelWithBidirectionalStream into a GET upgrade of
// /model/{id}/invoke-with-bidirectional-stream-websocket, SigV4-presigned in its query (60 s),
// and sends each signed input event as one binary message.
// The SDK always dials wss:; the emulator serves plain ws: on its one port, so the WebSocket
// given to the SDK dials ws: instead (the only change to what a browser does).
// Run: cd tests/js && node --test sdk/bidirectional_websocket.test.mjs
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";

import { BedrockRuntimeClient, InvokeModelWithBidirectionalStreamCommand, ValidationException } from "@aws-sdk/client-bedrock-runtime";
import { eventStreamPayloadHandlerProvider, WebSocketFetchHandler } from "@aws-sdk/middleware-websocket";
import { WebSocket as NodeWebSocket } from "ws";

import { http1Request, startEmulator } from "./harness.mjs";

const SONIC = "amazon.nova-sonic-v1:0";
const PROMPT = "prompt-1";
const INVALID_INPUT = "Invalid input request, please fix your input and try again.";
const UNSUPPORTED_MODEL =
  "This action doesn't support the model that you provided. Try again with a supported text or chat model.";
const WAIT_MS = 15000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The event-stream serde of a browser build (@smithy/core's index.browser.js: its input is a
// WHATWG ReadableStream, which the WebSocket payload handler requires); loaded by its file, as
// the package's export map gives Node the Node build.
const require = createRequire(import.meta.url);
const { eventStreamSerdeProvider } = require(join(dirname(require.resolve("@smithy/core/event-streams")), "index.browser.js"));

// Every URL the SDK dialled, as it dialled it, and every error its sockets met.
const dialled = [];
const socketErrors = [];
class PlainWebSocket extends NodeWebSocket {
  constructor(url, ...rest) {
    dialled.push(url);
    super(String(url).replace(/^wss:/, "ws:"), ...rest);
    // A browser's WebSocket drops an error event nobody listens to; Node's EventEmitter would
    // throw it (the SDK sets onerror only once the socket is open).
    this.on("error", (error) => socketErrors.push(error.message));
  }
}
globalThis.WebSocket = PlainWebSocket;

function makeBrowserClient(endpoint, extra = {}) {
  return new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 1,
    requestHandler: new WebSocketFetchHandler({ connectionTimeout: 5000 }),
    eventStreamPayloadHandlerProvider,
    eventStreamSerdeProvider,
    ...extra,
  });
}

// -- audio and input events (as in bidirectional.test.mjs) ---------------------------------------
function tone(ms, amplitude = 8000) {
  const samples = (16000 * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / 16000)), i * 2);
  return pcm;
}
const silence = (ms) => Buffer.alloc(((16000 * ms) / 1000) * 2);
const ev = (name, body) => ({ event: { [name]: body } });
const AUDIO_OUT = { mediaType: "audio/lpcm", sampleRateHertz: 24000, sampleSizeBits: 16, channelCount: 1, voiceId: "matthew", encoding: "base64", audioType: "SPEECH" };
const AUDIO_IN = { mediaType: "audio/lpcm", sampleRateHertz: 16000, sampleSizeBits: 16, channelCount: 1, audioType: "SPEECH", encoding: "base64" };
const opening = (extra = {}) => [
  ev("sessionStart", { inferenceConfiguration: { maxTokens: 1024, topP: 0.9, temperature: 0.7 }, ...extra }),
  ev("promptStart", { promptName: PROMPT, textOutputConfiguration: { mediaType: "text/plain" }, audioOutputConfiguration: AUDIO_OUT }),
  ...textContent("system", "SYSTEM", "You are a friendly assistant."),
];
function textContent(contentName, role, content) {
  return [
    ev("contentStart", { promptName: PROMPT, contentName, type: "TEXT", interactive: true, role, textInputConfiguration: { mediaType: "text/plain" } }),
    ev("textInput", { promptName: PROMPT, contentName, content }),
    ev("contentEnd", { promptName: PROMPT, contentName }),
  ];
}
const audioStart = (contentName) =>
  ev("contentStart", { promptName: PROMPT, contentName, type: "AUDIO", interactive: true, role: "USER", audioInputConfiguration: AUDIO_IN });
const audioEvents = (contentName, pcm) => {
  const events = [];
  for (let at = 0; at < pcm.length; at += 3200) {
    events.push(ev("audioInput", { promptName: PROMPT, contentName, content: pcm.subarray(at, at + 3200).toString("base64") }));
  }
  return events;
};
const closing = (contentName) => [ev("contentEnd", { promptName: PROMPT, contentName }), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {})];

// -- a session: an async-generator input fed by send(), the output read as it arrives ---------------
function openSession(client, modelId = SONIC) {
  const queue = [];
  let wake = null;
  let closed = false;
  const body = (async function* () {
    for (;;) {
      while (queue.length) yield { chunk: { bytes: encoder.encode(JSON.stringify(queue.shift())) } };
      if (closed) return;
      await new Promise((resolve) => (wake = resolve));
      wake = null;
    }
  })();
  const session = {
    events: [],
    error: null,
    ended: false,
    send(...events) {
      queue.push(...events.flat());
      wake?.();
    },
    closeInput() {
      closed = true;
      wake?.();
    },
    async waitFor(pick, what) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const index = session.events.findIndex(pick);
        if (index >= 0) return index;
        if (session.ended) throw new Error(`stream ended without ${what}: ${session.error ?? "no error"}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
  session.done = (async () => {
    try {
      const response = await client.send(new InvokeModelWithBidirectionalStreamCommand({ modelId, body }));
      for await (const part of response.body) {
        assert.ok(part.chunk, `only chunk events: ${JSON.stringify(part)}`);
        const event = JSON.parse(decoder.decode(part.chunk.bytes)).event;
        const name = Object.keys(event)[0];
        session.events.push({ name, body: event[name] });
      }
    } catch (error) {
      session.error = error;
    } finally {
      session.ended = true;
      session.closeInput();
    }
  })();
  // Everything until the stream ends, within WAIT_MS from now.
  session.finished = () => {
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("session did not end")), WAIT_MS)));
    return Promise.race([session.done, timeout]).then(() => (clearTimeout(timer), session.events));
  };
  return session;
}

// Events in a compact form, runs of audioOutput once (as in bidirectional.test.mjs).
function shape(events) {
  const out = [];
  for (const { name, body } of events) {
    if (name === "contentStart") {
      const stage = body.additionalModelFields ? ` ${JSON.parse(body.additionalModelFields).generationStage}` : "";
      out.push(`contentStart(${body.role} ${body.type}${stage})`);
    } else if (name === "contentEnd") {
      out.push(`contentEnd(${body.stopReason})`);
    } else if (name !== "audioOutput" || out.at(-1) !== "audioOutput") {
      out.push(name);
    }
  }
  return out;
}
const TRANSCRIPT = ["contentStart(USER TEXT FINAL)", "textOutput", "contentEnd(END_TURN)", "usageEvent"];
const ANSWER = [
  "contentStart(ASSISTANT TEXT SPECULATIVE)",
  "textOutput",
  "contentEnd(PARTIAL_TURN)",
  "contentStart(ASSISTANT AUDIO)",
  "audioOutput",
  "contentEnd(END_TURN)",
  "contentStart(ASSISTANT TEXT FINAL)",
  "textOutput",
  "contentEnd(END_TURN)",
  "usageEvent",
];
// A turn ends with two usageEvents from its start: the transcript's and the answer's.
const nthUsage = (session, from, n) => (e, i) => i >= from && e.name === "usageEvent" && session.events.slice(from, i + 1).filter((x) => x.name === "usageEvent").length === n;
const texts = (events, role) => events.filter((e) => e.name === "textOutput" && e.body.role === role).map((e) => e.body.content);

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0, "emulator should exit with 0 on SIGTERM");
});
afterEach(async () => {
  const response = await http1Request(server.port, "POST", "/_emulator/reset");
  assert.ok(response.status < 300);
});

describe("SDK client: browser WebSocket handler", () => {
  let client;
  before(() => (client = makeBrowserClient(server.endpoint)));
  after(() => client.destroy());

  test("the upgrade the SDK dials: the -websocket path, presigned for 60 s", async () => {
    dialled.length = 0;
    const session = openSession(client);
    session.send(opening({ inferenceConfiguration: { maxTokens: 4 } }), textContent("q", "USER", "Hi"), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {}));
    await session.finished();
    assert.equal(session.error, null);
    assert.equal(dialled.length, 1);
    const url = new URL(dialled[0]);
    assert.equal(url.protocol, "wss:");
    assert.equal(url.pathname, "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream-websocket");
    assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.match(url.searchParams.get("X-Amz-Credential"), /^AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request$/);
    assert.equal(url.searchParams.get("X-Amz-Expires"), "60");
    assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "host");
    assert.match(url.searchParams.get("X-Amz-Signature"), /^[0-9a-f]{64}$/);
  });

  test("a whole session: text turn, audio turn, promptEnd and sessionEnd", async () => {
    const session = openSession(client);
    session.send(opening(), textContent("q1", "USER", "Tell me about the sea."));
    await session.waitFor(nthUsage(session, 0, 2), "the first answer");
    assert.deepEqual(shape(session.events), ["completionStart", ...TRANSCRIPT, ...ANSWER]);
    assert.deepEqual(texts(session.events, "USER"), ["Tell me about the sea."]);
    assert.match(texts(session.events, "ASSISTANT")[0], /^This is a deterministic answer from bedrock-emulator to "Tell me about the sea\."/);
    const audio = session.events.find((e) => e.name === "audioOutput");
    assert.ok(Buffer.from(audio.body.content, "base64").some((b) => b !== 0), "the answer's audio is not silence");

    // The microphone: speech, then the pause that ends the turn.
    const from = session.events.length;
    session.send(audioStart("mic"), audioEvents("mic", Buffer.concat([silence(200), tone(900), silence(600)])));
    await session.waitFor(nthUsage(session, from, 2), "the spoken answer");
    assert.deepEqual(shape(session.events.slice(from)), [...TRANSCRIPT, ...ANSWER]);
    assert.match(texts(session.events.slice(from), "USER")[0], /^[A-Z][a-z]+( [a-z]+)+\.$/);

    // The end, with the input still open (as a page keeps its microphone): the server ends it.
    session.send(closing("mic"));
    const events = await session.finished();
    assert.equal(session.error, null);
    assert.equal(events.at(-1).name, "completionEnd");
    assert.equal(events.at(-1).body.stopReason, "END_TURN");
  });

  test("everything at once, the input closed at once: answered in full", async () => {
    const session = openSession(client);
    session.send(opening({ inferenceConfiguration: { maxTokens: 6 } }), textContent("q", "USER", "Hi!"), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {}));
    session.closeInput(); // the SDK closes its socket (1000) once its input has ended
    const events = await session.finished();
    assert.equal(session.error, null);
    assert.deepEqual(shape(events), ["completionStart", ...TRANSCRIPT, ...ANSWER, "completionEnd"]);
  });

  test("a model without speech: the ValidationException, raised while iterating", async () => {
    const session = openSession(client, "amazon.nova-micro-v1:0");
    session.send(opening());
    await session.finished();
    assert.ok(session.error instanceof ValidationException, String(session.error));
    assert.equal(session.error.message, UNSUPPORTED_MODEL);
  });

  test("input out of order: the in-stream ValidationException", async () => {
    const session = openSession(client);
    session.send(ev("sessionStart", {}), ...textContent("q", "USER", "hi"));
    await session.finished();
    assert.ok(session.error instanceof ValidationException, String(session.error));
    assert.equal(session.error.message, INVALID_INPUT);
  });

  test("a presign already expired (a clock 2 minutes slow): refused, the SDK never connects", async () => {
    // The upgrade is answered 403 before the 101; the SDK's handler sees no "open" and, after
    // its connection timeout, rejects with its synthetic 500.
    const slow = makeBrowserClient(server.endpoint, {
      systemClockOffset: -120000,
      requestHandler: new WebSocketFetchHandler({ connectionTimeout: 1000 }),
    });
    dialled.length = 0;
    socketErrors.length = 0;
    try {
      const session = openSession(slow);
      session.send(opening());
      await session.finished();
      assert.ok(session.error, "the session failed");
      assert.equal(session.error.$metadata?.websocketSynthetic500Error, true, String(session.error));
      assert.deepEqual(session.events, []);
      assert.deepEqual(socketErrors, ["Unexpected server response: 403"]);
      const signedAt = new URL(dialled[0]).searchParams.get("X-Amz-Date");
      const age = Date.now() - Date.parse(signedAt.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
      assert.ok(age > 60000, `signed ${age} ms ago`);
    } finally {
      slow.destroy();
    }
  });

  test("ten sessions at once", async () => {
    const sessions = Array.from({ length: 10 }, (_, i) => {
      const session = openSession(client);
      session.send(opening({ inferenceConfiguration: { maxTokens: 4 } }), textContent("q", "USER", `Question ${i}`), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {}));
      return session;
    });
    for (const [i, session] of sessions.entries()) {
      const events = await session.finished();
      assert.equal(session.error, null);
      assert.deepEqual(texts(events, "USER"), [`Question ${i}`]);
      assert.equal(events.at(-1).name, "completionEnd");
    }
  });
});
