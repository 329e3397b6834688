// Nova Sonic speech sessions (InvokeModelWithBidirectionalStream) through the real AWS SDK for
// JavaScript v3: an async-generator input and the output event stream at the same time, once
// with the default client (HTTP/2 h2c) and once with NodeHttpHandler (HTTP/1.1 chunked both
// ways). A whole conversation (text turn, audio turn, tool call and result, barge-in), model
// checks, in-stream exceptions as the modelled exception classes, and 50 concurrent sessions.
// Run: cd tests/js && node --test sdk/bidirectional.test.mjs
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";

import {
  InvokeModelWithBidirectionalStreamCommand,
  ModelStreamErrorException,
  ModelTimeoutException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, http1Request, makeClient, startEmulator } from "./harness.mjs";

const SONIC = "amazon.nova-sonic-v1:0";
const SONIC_2 = "amazon.nova-2-sonic-v1:0";
const INVALID_INPUT = "Invalid input request, please fix your input and try again.";
const TIMED_OUT = "Model has timed out in processing the request. Try your request again.";
const UNSUPPORTED_MODEL =
  "This action doesn't support the model that you provided. Try again with a supported text or chat model.";
const INTERRUPTED = '{ "interrupted" : true }';
const PROMPT = "prompt-1";
// No test may hang: every wait ends here.
const WAIT_MS = 15000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// -- audio ---------------------------------------------------------------------------------------
// 16 kHz mono 16-bit little-endian PCM: a tone stands for speech, zeros for silence.
function tone(ms, amplitude = 8000) {
  const samples = (16000 * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / 16000)), i * 2);
  return pcm;
}
const silence = (ms) => Buffer.alloc((16000 * ms) / 1000 * 2);

// -- input events ----------------------------------------------------------------------------------
const ev = (name, body) => ({ event: { [name]: body } });
const AUDIO_OUT = {
  mediaType: "audio/lpcm",
  sampleRateHertz: 24000,
  sampleSizeBits: 16,
  channelCount: 1,
  voiceId: "matthew",
  encoding: "base64",
  audioType: "SPEECH",
};
const AUDIO_IN = { mediaType: "audio/lpcm", sampleRateHertz: 16000, sampleSizeBits: 16, channelCount: 1, audioType: "SPEECH", encoding: "base64" };
const WEATHER_TOOL = {
  toolSpec: {
    name: "get_weather",
    description: "Get the current weather for a city",
    inputSchema: { json: JSON.stringify({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }) },
  },
};
const sessionStart = (extra = {}) =>
  ev("sessionStart", { inferenceConfiguration: { maxTokens: 1024, topP: 0.9, temperature: 0.7 }, ...extra });
const promptStart = (extra = {}) =>
  ev("promptStart", {
    promptName: PROMPT,
    textOutputConfiguration: { mediaType: "text/plain" },
    audioOutputConfiguration: AUDIO_OUT,
    toolUseOutputConfiguration: { mediaType: "application/json" },
    toolConfiguration: { tools: [WEATHER_TOOL] },
    ...extra,
  });
const textContent = (contentName, role, content, interactive = true) => [
  ev("contentStart", { promptName: PROMPT, contentName, type: "TEXT", interactive, role, textInputConfiguration: { mediaType: "text/plain" } }),
  ev("textInput", { promptName: PROMPT, contentName, content }),
  ev("contentEnd", { promptName: PROMPT, contentName }),
];
const audioStart = (contentName, extra = {}) =>
  ev("contentStart", { promptName: PROMPT, contentName, type: "AUDIO", interactive: true, role: "USER", audioInputConfiguration: AUDIO_IN, ...extra });
// Audio in 100 ms events, as a microphone would send it (but without waiting).
const audioEvents = (contentName, pcm) => {
  const events = [];
  for (let at = 0; at < pcm.length; at += 3200) {
    events.push(ev("audioInput", { promptName: PROMPT, contentName, content: pcm.subarray(at, at + 3200).toString("base64") }));
  }
  return events;
};
const toolResult = (contentName, toolUseId, content) => [
  ev("contentStart", {
    promptName: PROMPT,
    contentName,
    interactive: false,
    type: "TOOL",
    role: "TOOL",
    toolResultInputConfiguration: { toolUseId, type: "TEXT", textInputConfiguration: { mediaType: "text/plain" } },
  }),
  ev("toolResult", { promptName: PROMPT, contentName, content }),
  ev("contentEnd", { promptName: PROMPT, contentName }),
];
const opening = (extra = {}) => [sessionStart(extra), promptStart(), ...textContent("system", "SYSTEM", "You are a friendly assistant.")];

// -- a session ---------------------------------------------------------------------------------------
// The input is an async generator fed by send(); the output is read as it arrives into `events`
// ({name, body} per Nova Sonic event). waitFor() resolves once a predicate holds on them.
function openSession(client, { modelId = SONIC, waitMs = WAIT_MS } = {}) {
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
    waiters: new Set(),
    send(...events) {
      queue.push(...events.flat());
      wake?.();
    },
    closeInput() {
      closed = true;
      wake?.();
    },
    notify() {
      for (const waiter of session.waiters) waiter();
    },
    // The first index from `from` where pick(event) holds.
    async waitFor(pick, from = 0, what = "an event") {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const index = session.events.findIndex((event, i) => i >= from && pick(event));
        if (index >= 0) return index;
        if (session.ended) throw new Error(`stream ended without ${what}: ${session.error ?? "no error"}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 100);
          const waiter = () => (clearTimeout(timer), session.waiters.delete(waiter), resolve());
          session.waiters.add(waiter);
        });
      }
    },
    // Everything until the stream ends.
    async finished() {
      await session.done;
      return session.events;
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
        session.notify();
      }
    } catch (error) {
      session.error = error;
    } finally {
      session.ended = true;
      session.closeInput();
      session.notify();
    }
  })();
  return session;
}

// Events in a compact form: "contentStart(ASSISTANT AUDIO)", "contentEnd(END_TURN)", runs of
// audioOutput once.
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
const TRANSCRIPT = ["contentStart(USER TEXT FINAL)", "textOutput", "contentEnd(END_TURN)", "usageEvent"];
const isAnswerEnd = (e) => e.name === "usageEvent";
const finalEnd = (e) => e.name === "contentEnd" && e.body.type === "TEXT" && e.body.stopReason === "END_TURN";
// Index just past the end of the answer that starts at or after `from`.
async function answerEnd(session, from) {
  const speculative = await session.waitFor((e) => e.name === "contentStart" && e.body.role === "ASSISTANT", from, "an answer");
  const final = await session.waitFor(finalEnd, speculative + 3, "the end of the answer");
  return (await session.waitFor(isAnswerEnd, final, "the answer's usageEvent")) + 1;
}
const texts = (events, role) => events.filter((e) => e.name === "textOutput" && e.body.role === role).map((e) => e.body.content);
const pcmOf = (events, contentId) =>
  Buffer.concat(events.filter((e) => e.name === "audioOutput" && e.body.contentId === contentId).map((e) => Buffer.from(e.body.content, "base64")));
// Tokens as the emulator counts them (README "Default generator"): runs of up to four letters
// or digits, or one other non-space character.
const countTokens = (text) => (text.match(/[\p{L}\p{N}]{1,4}|[^\s\p{L}\p{N}]/gu) ?? []).length;

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0, "emulator should exit with 0 on SIGTERM");
});
async function admin(method, path, body) {
  const response = await http1Request(server.port, method, path, body);
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.body}`);
}
afterEach(async () => admin("POST", "/_emulator/reset"));

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let client;
    before(() => (client = makeClient(server.endpoint, kind)));
    after(() => client.destroy());

    test("a whole conversation: text, audio, a tool call and its result, barge-in", async () => {
      const session = openSession(client);
      session.send(opening());

      // 1. A text turn: the user's text comes back as the transcript, then the spoken answer.
      session.send(textContent("q1", "USER", "Tell me about the sea."));
      let end = await answerEnd(session, 0);
      assert.deepEqual(shape(session.events.slice(0, end)), ["completionStart", ...TRANSCRIPT, ...ANSWER]);
      const ids = session.events[0].body;
      assert.match(ids.sessionId, /^[0-9a-f-]{36}$/);
      assert.equal(ids.promptName, PROMPT);
      for (const { body } of session.events) {
        assert.equal(body.sessionId, ids.sessionId);
        assert.equal(body.completionId, ids.completionId);
      }
      assert.deepEqual(texts(session.events, "USER"), ["Tell me about the sea."]);
      const [planned, spoken] = texts(session.events, "ASSISTANT");
      assert.match(planned, /^This is a deterministic answer from bedrock-emulator to "Tell me about the sea\."/);
      assert.equal(spoken, planned);
      const audio = session.events.find((e) => e.name === "contentStart" && e.body.type === "AUDIO").body;
      assert.deepEqual(audio.audioOutputConfiguration, AUDIO_OUT);
      const pcm = pcmOf(session.events, audio.contentId);
      assert.equal(pcm.length, countTokens(planned) * 2880, "24 kHz 16-bit mono, 60 ms a token");
      assert.ok(pcm.some((byte) => byte !== 0), "the audio is not silence");
      const usage = session.events[end - 1].body;
      assert.equal(usage.details.total.output.textTokens, countTokens(planned));
      assert.equal(usage.details.total.output.speechTokens, countTokens(planned));
      assert.equal(usage.totalTokens, usage.totalInputTokens + usage.totalOutputTokens);

      // 2. An audio turn: the answer starts after the pause, while the microphone stays open.
      session.send(audioStart("mic"), audioEvents("mic", Buffer.concat([silence(200), tone(900), silence(600)])));
      let from = end;
      end = await answerEnd(session, from);
      assert.deepEqual(shape(session.events.slice(from, end)), [...TRANSCRIPT, ...ANSWER]);
      const heard = texts(session.events.slice(from), "USER")[0];
      assert.match(heard, /^[A-Z][a-z]+( [a-z]+)+\.$/);
      assert.ok(session.events[end - 1].body.details.total.input.speechTokens > 0);

      // 3. A tool call: the weather question names the tool; its result is answered.
      from = end;
      session.send(textContent("q2", "USER", "What is the weather in Paris?"));
      const use = await session.waitFor((e) => e.name === "toolUse", from, "a toolUse");
      await session.waitFor((e) => e.name === "usageEvent", use, "the tool call's usageEvent");
      assert.deepEqual(shape(session.events.slice(from, use + 3)), [
        ...TRANSCRIPT,
        "contentStart(TOOL TOOL)",
        "toolUse",
        "contentEnd(TOOL_USE)",
        "usageEvent",
      ]);
      const call = session.events[use].body;
      assert.equal(call.toolName, "get_weather");
      assert.deepEqual(JSON.parse(call.content), { city: "Paris" });
      from = use + 1;
      session.send(toolResult("r1", call.toolUseId, JSON.stringify({ forecast: "sunny", celsius: 24 })));
      end = await answerEnd(session, from);
      assert.match(texts(session.events.slice(from), "ASSISTANT")[0], /forecast/);

      // 4. Barge-in: the user talks over the answer's audio.
      from = end;
      session.send(audioEvents("mic", Buffer.concat([tone(700), silence(600)])));
      const firstAudio = await session.waitFor((e) => e.name === "audioOutput", from, "the answer's audio");
      session.send(audioEvents("mic", tone(300)));
      const cut = await session.waitFor((e) => e.name === "contentEnd" && e.body.stopReason === "INTERRUPTED", firstAudio, "an interruption");
      assert.equal(session.events[cut].body.type, "AUDIO");
      await session.waitFor((e) => e.name === "usageEvent", cut, "the interruption's usageEvent");
      assert.deepEqual(shape(session.events.slice(cut, cut + 5)), [
        "contentEnd(INTERRUPTED)",
        "contentStart(ASSISTANT TEXT FINAL)",
        "textOutput",
        "contentEnd(INTERRUPTED)",
        "usageEvent",
      ]);
      assert.equal(session.events[cut + 2].body.content, INTERRUPTED);
      // What the user said over it is the next turn.
      session.send(audioEvents("mic", silence(600)));
      end = await answerEnd(session, cut + 5);
      assert.deepEqual(shape(session.events.slice(cut + 5, end)), [...TRANSCRIPT, ...ANSWER]);

      // 5. The end: promptEnd closes the completion, sessionEnd the stream.
      session.send(ev("contentEnd", { promptName: PROMPT, contentName: "mic" }), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {}));
      session.closeInput();
      const events = await session.finished();
      assert.equal(session.error, null);
      assert.equal(events.at(-1).name, "completionEnd");
      assert.equal(events.at(-1).body.stopReason, "END_TURN");
      assert.equal(events.filter((e) => e.name === "completionStart").length, 1);
    });

    test("a text-only exchange sent all at once is answered in full", async () => {
      const session = openSession(client, { modelId: SONIC_2 });
      session.send(
        opening({ inferenceConfiguration: { maxTokens: 6 } }),
        textContent("q", "USER", "Hi!"),
        ev("promptEnd", { promptName: PROMPT }),
        ev("sessionEnd", {}),
      );
      session.closeInput();
      const events = await session.finished();
      assert.equal(session.error, null);
      assert.deepEqual(shape(events), ["completionStart", ...TRANSCRIPT, ...ANSWER, "completionEnd"]);
      assert.equal(countTokens(texts(events, "ASSISTANT")[0]), 6);
    });

    test("models without speech, and cross-Region profiles, are refused", async () => {
      for (const [modelId, message] of [
        ["amazon.nova-micro-v1:0", UNSUPPORTED_MODEL],
        ["us.amazon.nova-sonic-v1:0", "The provided model identifier is invalid."],
        ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-sonic-v1:0", "The provided model identifier is invalid."],
      ]) {
        const session = openSession(client, { modelId });
        session.send(opening());
        await session.done;
        assert.ok(session.error instanceof ValidationException, `${modelId}: ${session.error}`);
        assert.equal(session.error.message, message);
        assert.equal(session.error.$metadata.httpStatusCode, 400);
      }
    });

    test("input out of order or malformed: a ValidationException while iterating", async () => {
      const badAudio = audioStart("mic");
      badAudio.event.contentStart.audioInputConfiguration = { ...AUDIO_IN, sampleRateHertz: 8000 };
      const cases = {
        "contentStart before promptStart": [sessionStart(), ...textContent("q", "USER", "hi")],
        "an unknown contentName": [...opening(), ev("textInput", { promptName: PROMPT, contentName: "nope", content: "x" })],
        "audio at 8 kHz": [...opening(), badAudio],
        "bad base64": [...opening(), audioStart("mic"), ev("audioInput", { promptName: PROMPT, contentName: "mic", content: "%%%" })],
      };
      for (const [what, events] of Object.entries(cases)) {
        const session = openSession(client);
        session.send(events);
        await session.done;
        assert.ok(session.error instanceof ValidationException, `${what}: ${session.error}`);
        assert.equal(session.error.message, INVALID_INPUT, what);
      }
      // An exception after output: the events before it still arrive.
      const late = openSession(client);
      late.send(opening({ inferenceConfiguration: { maxTokens: 5 } }), textContent("q", "USER", "Hello"));
      await answerEnd(late, 0);
      late.send(ev("textInput", { promptName: PROMPT, contentName: "gone", content: "x" }));
      await late.done;
      assert.ok(late.error instanceof ValidationException);
      assert.ok(late.events.length > 10);
    });

    test("silence for longer than the idle timeout: a ModelTimeoutException", async () => {
      const session = openSession(client);
      const started = Date.now();
      session.send(opening({ emulatorIdleTimeoutMs: 400 }));
      await session.done;
      assert.ok(session.error instanceof ModelTimeoutException, String(session.error));
      assert.equal(session.error.message, TIMED_OUT);
      assert.ok(Date.now() - started >= 400);
    });

    test("a session past its limit ends with a ModelTimeoutException, even mid-speech", async () => {
      const session = openSession(client);
      session.send(opening({ emulatorSessionLimitMs: 1500 }), audioStart("mic"));
      const feeding = setInterval(() => session.send(audioEvents("mic", silence(100))), 100);
      await session.done;
      clearInterval(feeding);
      assert.ok(session.error instanceof ModelTimeoutException, String(session.error));
    });

    test("a scenario scripts the answer, latency and an in-stream exception", async () => {
      await admin("POST", "/_emulator/scenarios", {
        name: "sonic",
        rules: [
          {
            match: { operation: "InvokeModelWithBidirectionalStream" },
            times: 1,
            response: { text: "Ahoy from the scenario." },
            latency: { firstByteMs: 200 },
          },
          {
            match: { operation: "InvokeModelWithBidirectionalStream" },
            streamError: { afterEvents: 3, type: "modelStreamErrorException", message: "The model stream broke.", originalStatusCode: 500 },
          },
        ],
      });
      const scripted = openSession(client);
      const started = Date.now();
      scripted.send(opening(), textContent("q", "USER", "Say something"));
      await answerEnd(scripted, 0);
      assert.ok(Date.now() - started >= 200, "first byte latency");
      assert.deepEqual(texts(scripted.events, "ASSISTANT"), ["Ahoy from the scenario.", "Ahoy from the scenario."]);
      scripted.closeInput();
      await scripted.done;

      const broken = openSession(client);
      broken.send(opening(), textContent("q", "USER", "Say something"));
      await broken.done;
      assert.ok(broken.error instanceof ModelStreamErrorException, String(broken.error));
      assert.equal(broken.error.message, "The model stream broke.");
      assert.equal(broken.error.originalStatusCode, 500);
      assert.equal(broken.events.length, 3);
    });
  });
}

describe("many sessions at once", () => {
  // Every session stays open until all 50 have been answered, so all 50 run at the same time.
  // Connections open a few at a time, each wave once the last one is being answered: the
  // server listens with cpp-httplib's default backlog of 5, and a burst of 50 connects
  // overflows it (connections never accepted, streams aborted on the client).
  test("50 concurrent sessions, each on its own HTTP/2 connection, without cross-talk", async () => {
    const clients = Array.from({ length: 50 }, () => makeClient(server.endpoint, "http2-default"));
    try {
      const sessions = [];
      for (let wave = 0; wave < clients.length; wave += 4) {
        const opened = clients.slice(wave, wave + 4).map((client, i) => {
          const n = wave + i;
          const session = openSession(client, { waitMs: 30000 });
          session.send(
            opening({ inferenceConfiguration: { maxTokens: 40 } }),
            audioStart("mic", { emulatorTranscript: `I am caller number ${n}.` }),
            audioEvents("mic", Buffer.concat([tone(300 + n * 20), silence(600)])),
            textContent("q", "USER", `Caller ${n} asks a question.`),
          );
          return session;
        });
        await Promise.all(opened.map((session) => session.waitFor(() => true, 0, "a first event")));
        sessions.push(...opened);
      }
      await Promise.all(sessions.map(async (session) => answerEnd(session, await answerEnd(session, 0))));
      assert.ok(sessions.every((session) => !session.ended), "all 50 sessions are open at once");
      await Promise.all(
        sessions.map(async (session) => {
          session.send(ev("contentEnd", { promptName: PROMPT, contentName: "mic" }), ev("promptEnd", { promptName: PROMPT }), ev("sessionEnd", {}));
          session.closeInput();
          await session.done;
        }),
      );
      const sessionIds = new Set();
      sessions.forEach((session, n) => {
        assert.equal(session.error, null, `session ${n}: ${session.error}`);
        const events = session.events;
        sessionIds.add(events[0].body.sessionId);
        assert.ok(events.every((e) => e.body.sessionId === events[0].body.sessionId));
        assert.deepEqual(texts(events, "USER"), [`I am caller number ${n}.`, `Caller ${n} asks a question.`]);
        const answers = texts(events, "ASSISTANT");
        assert.ok(answers[0].includes(`I am caller number ${n}.`), answers[0]);
        assert.ok(answers[2].includes(`Caller ${n} asks`), answers[2]);
        assert.equal(events.at(-1).name, "completionEnd");
      });
      assert.equal(sessionIds.size, 50);
    } finally {
      for (const client of clients) client.destroy();
    }
  });
});
