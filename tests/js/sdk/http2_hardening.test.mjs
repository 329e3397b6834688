// Hostile and oversized HTTP/2 input against the running server: a flood of streams on one
// connection, thread creation failing, header blocks and :path over the limits, a 300 MB DATA
// body, requests cut before END_STREAM, and SIGTERM with streams open. Each case asserts the answer RFC 9113 asks for,
// bounded threads and memory, and that another client is served within 1 s afterwards.
// Raw frames (node:net) where a well-behaved client cannot produce the input; node:http2 else.
// Run: cd tests/js && node --test sdk/http2_hardening.test.mjs
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { after, before, describe, test } from "node:test";

import { http1Request, startEmulator } from "./harness.mjs";

const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const SONIC = "amazon.nova-sonic-v1:0";
// A full-duplex stream's head: the operation starts at once and holds its thread while it
// waits for input that never comes (the body is left open).
const BIDI_PATH = `/model/${SONIC}/invoke-with-bidirectional-stream`;
const BIDI_FIELDS = [["content-type", "application/vnd.amazon.eventstream"]];
const REEL = "amazon.nova-reel-v1:0";
const CONVERSE_BODY = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });
// Limits of the server (emulator/src/http/h2_limits.h).
const MAX_CONCURRENT_STREAMS = 128;
const MAX_PRODUCERS_TOTAL = 256;
const MAX_BODY = 25000000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 };
const ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, REFUSED_STREAM: 7, CANCEL: 8, COMPRESSION_ERROR: 9 };

function procStatus(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(line.split(/\s+/)[1]);
}

// HPACK integer with an N-bit prefix (RFC 7541 5.1).
function hpackInt(value, prefixBits, firstByte = 0) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByte | value];
  const out = [firstByte | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

// Literal header fields without indexing and without Huffman coding (RFC 7541 6.2.2).
function hpackEncode(fields) {
  const parts = [];
  for (const [name, value] of fields) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    parts.push(Buffer.from([0]), Buffer.from(hpackInt(n.length, 7)), n, Buffer.from(hpackInt(v.length, 7)), v);
  }
  return Buffer.concat(parts);
}

// A client that writes frames by hand and records every frame the server sends.
class RawH2 {
  static open(port) {
    return new Promise((resolve, reject) => {
      const raw = new RawH2();
      raw.socket = net.connect(port, "127.0.0.1", () => {
        raw.socket.write(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        // Large windows, so the server's answers are never held by flow control here.
        const settings = Buffer.alloc(6);
        settings.writeUInt16BE(0x4); // SETTINGS_INITIAL_WINDOW_SIZE
        settings.writeUInt32BE(1 << 24, 2);
        raw.frame(FRAME.SETTINGS, 0, 0, settings);
        const increment = Buffer.alloc(4);
        increment.writeUInt32BE(1 << 30);
        raw.frame(FRAME.WINDOW_UPDATE, 0, 0, increment);
        resolve(raw);
      });
      raw.socket.on("error", reject);
    });
  }

  constructor() {
    this.frames = [];
    this.closed = false;
    this.pending = Buffer.alloc(0);
    this.listeners = new Set();
  }

  attach() {
    this.socket.removeAllListeners("error");
    this.socket.on("error", () => {});
    this.socket.on("data", (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 9) {
        const length = this.pending.readUIntBE(0, 3);
        if (this.pending.length < 9 + length) break;
        const frame = {
          type: this.pending[3],
          flags: this.pending[4],
          id: this.pending.readUInt32BE(5) & 0x7fffffff,
          payload: this.pending.subarray(9, 9 + length),
        };
        this.pending = this.pending.subarray(9 + length);
        this.frames.push(frame);
      }
      this.notify();
    });
    this.socket.on("close", () => ((this.closed = true), this.notify()));
  }

  notify() {
    for (const listener of this.listeners) listener();
  }

  frame(type, flags, id, payload) {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(id, 5);
    this.socket.write(Buffer.concat([head, payload]));
  }

  // A header block split over HEADERS and CONTINUATION frames of at most 16 KiB each.
  headers(id, fields, endStream) {
    const block = hpackEncode(fields);
    const size = 16384;
    for (let offset = 0; offset === 0 || offset < block.length; offset += size) {
      const last = offset + size >= block.length;
      const type = offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
      const flags = (last ? FLAG.END_HEADERS : 0) | (offset === 0 && endStream ? FLAG.END_STREAM : 0);
      this.frame(type, flags, id, block.subarray(offset, offset + size));
    }
  }

  data(id, bytes, endStream) {
    this.frame(FRAME.DATA, endStream ? FLAG.END_STREAM : 0, id, Buffer.from(bytes));
  }

  rst(id, code) {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    this.frame(FRAME.RST_STREAM, 0, id, payload);
  }

  // Resolves once `predicate()` holds (checked on every frame and on close); rejects after
  // `timeoutMs`.
  until(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; frames: ${this.summary()}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  of(type) {
    return this.frames.filter((f) => f.type === type);
  }

  goaway() {
    const frame = this.of(FRAME.GOAWAY)[0];
    return frame && { lastStreamId: frame.payload.readUInt32BE(0) & 0x7fffffff, code: frame.payload.readUInt32BE(4) };
  }

  summary() {
    const counts = {};
    for (const f of this.frames) counts[f.type] = (counts[f.type] ?? 0) + 1;
    return `${JSON.stringify(counts)} closed=${this.closed}`;
  }

  close() {
    this.socket.destroy();
  }
}

function requestFields(method, path, extra = []) {
  return [[":method", method], [":scheme", "http"], [":path", path], [":authority", "127.0.0.1"], ...extra];
}

// One request on its own node:http2 session; resolves to { status, headers, body, rstCode } or
// { error } when the session or stream fails.
function h2(port, headers, body, options = {}) {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`, options);
    session.on("error", (error) => resolve({ error }));
    const stream = session.request(headers);
    let response;
    const chunks = [];
    stream.on("response", (h) => (response = h));
    stream.on("data", (c) => chunks.push(c));
    stream.on("error", (error) => (session.destroy(), resolve({ error })));
    stream.on("close", () => {
      const rstCode = stream.rstCode;
      session.close();
      if (!response) return resolve({ error: new Error(`no response, rstCode ${rstCode}`) });
      resolve({ status: response[":status"], headers: response, body: Buffer.concat(chunks).toString(), rstCode });
    });
    stream.end(body);
  });
}

// Another client is answered within 1 s: over HTTP/2 and over HTTP/1.1.
async function assertServesOthers(port) {
  const started = Date.now();
  const viaH2 = await h2(port, { ":method": "GET", ":path": "/_emulator/health" });
  assert.equal(viaH2.status, 200, String(viaH2.error));
  const viaH1 = await http1Request(port, "GET", "/_emulator/health");
  assert.equal(viaH1.status, 200);
  assert.ok(Date.now() - started < 1000, `health took ${Date.now() - started} ms`);
}

async function loadScenario(port, rules) {
  const { status, body } = await http1Request(port, "POST", "/_emulator/scenarios", { name: "h2", rules });
  assert.equal(status, 200, body.toString());
}

describe("HTTP/2 streams and threads are bounded", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test("384 paced event streams on 3 connections hold no thread", async (t) => {
    // Paced streams wait in the event loops' due-time queues, not on threads.
    await loadScenario(server.port, [{ match: { operation: "ConverseStream" }, latency: { betweenEventsMs: 1000 } }]);
    const baseline = procStatus(server.pid, "Threads");
    const clients = [];
    for (let c = 0; c < 3; c++) {
      const raw = await RawH2.open(server.port);
      raw.attach();
      await raw.until(() => raw.of(FRAME.SETTINGS).length > 0, 3000, "the server's SETTINGS");
      for (let i = 0; i < MAX_CONCURRENT_STREAMS; i++) {
        const id = 2 * i + 1;
        raw.headers(id, requestFields("POST", `/model/${MODEL}/converse-stream`, [["content-type", "application/json"]]), false);
        raw.data(id, CONVERSE_BODY, true);
      }
      clients.push(raw);
    }
    let peak = 0;
    const heads = (raw) => new Set(raw.of(FRAME.HEADERS).map((f) => f.id)).size;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !clients.every((raw) => heads(raw) >= MAX_CONCURRENT_STREAMS)) {
      peak = Math.max(peak, procStatus(server.pid, "Threads"));
      await sleep(50);
    }
    await sleep(300);
    peak = Math.max(peak, procStatus(server.pid, "Threads"));
    for (const raw of clients) {
      assert.equal(heads(raw), MAX_CONCURRENT_STREAMS, raw.summary());
      const busy = raw.of(FRAME.DATA).filter((f) => f.payload.toString().includes("Bedrock is unable to process your request."));
      assert.equal(busy.length, 0, raw.summary());
      assert.equal(raw.of(FRAME.RST_STREAM).length, 0, raw.summary());
    }
    t.diagnostic(`threads: baseline ${baseline}, peak ${peak}`);
    assert.ok(peak <= baseline + 4, `threads: baseline ${baseline}, peak ${peak}`);
    await assertServesOthers(server.port);
    for (const raw of clients) raw.close();
    await http1Request(server.port, "DELETE", "/_emulator/scenarios");
  });

  test("900 full-duplex streams on each of 3 connections: excess refused, threads bounded", async (t) => {
    // Every stream is a bidirectional stream left open, so each accepted one holds a producer
    // thread.
    const baseline = procStatus(server.pid, "Threads");
    const clients = [];
    for (let c = 0; c < 3; c++) {
      const raw = await RawH2.open(server.port);
      raw.attach();
      // All at once, before the client has acknowledged the server's SETTINGS.
      for (let i = 0; i < 900; i++) {
        raw.headers(2 * i + 1, requestFields("POST", BIDI_PATH, BIDI_FIELDS), false);
      }
      clients.push(raw);
    }
    let peak = 0;
    const answered = (raw) => new Set([...raw.of(FRAME.HEADERS), ...raw.of(FRAME.RST_STREAM)].map((f) => f.id)).size;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !clients.every((raw) => answered(raw) >= 900)) {
      peak = Math.max(peak, procStatus(server.pid, "Threads"));
      await sleep(50);
    }
    await sleep(300);
    peak = Math.max(peak, procStatus(server.pid, "Threads"));

    let streamed = 0;
    let busy = 0;
    for (const raw of clients) {
      const refused = raw.of(FRAME.RST_STREAM).filter((f) => f.payload.readUInt32BE(0) === ERROR.REFUSED_STREAM);
      const heads = new Set(raw.of(FRAME.HEADERS).map((f) => f.id));
      // A stream answered 503 ends at once and frees its slot for a later one: more than 128
      // answered, never more than 128 open.
      assert.ok(heads.size >= MAX_CONCURRENT_STREAMS, raw.summary());
      assert.equal(refused.length, 900 - heads.size, raw.summary());
      for (const f of refused) assert.ok(!heads.has(f.id), `stream ${f.id} both answered and refused`);
      // The 503 a stream gets when no producer thread is free is a JSON body, not event frames.
      const busyIds = new Set(
        raw.of(FRAME.DATA).filter((f) => f.payload.toString().includes("Bedrock is unable to process your request.")).map((f) => f.id),
      );
      assert.ok(heads.size - busyIds.size <= MAX_CONCURRENT_STREAMS, raw.summary());
      busy += busyIds.size;
      streamed += heads.size - busyIds.size;
    }
    // At least 384 streams accepted, at most 256 producers in the process: the rest answered 503.
    assert.equal(streamed, MAX_PRODUCERS_TOTAL);
    assert.ok(busy >= 3 * MAX_CONCURRENT_STREAMS - MAX_PRODUCERS_TOTAL, `busy ${busy}`);
    // The producers and the loops; no thread per connection.
    t.diagnostic(`threads: baseline ${baseline}, peak ${peak}; streamed ${streamed}, answered 503 ${busy}`);
    assert.ok(peak <= baseline + 4 + MAX_PRODUCERS_TOTAL, `threads: baseline ${baseline}, peak ${peak}`);
    await assertServesOthers(server.port);

    for (const raw of clients) raw.close();
    const settle = Date.now() + 3000;
    // Connection threads wait idle for the next connection a while; producers do not.
    while (procStatus(server.pid, "Threads") > baseline + 4 && Date.now() < settle) await sleep(50);
    assert.ok(procStatus(server.pid, "Threads") <= baseline + 4, "producer threads end with their connection");
  });
});

describe("HTTP/2 when a producer thread cannot be created", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test("std::thread failing (address space exhausted) is answered 503, the process lives", async (t) => {
    // A sanitizer build reserves terabytes of shadow memory up front and cannot live under a cap.
    if (procStatus(server.pid, "VmSize") > 64 * 1024 * 1024) return t.skip("sanitizer build");
    const raw = await RawH2.open(server.port);
    raw.attach();
    await raw.until(() => raw.of(FRAME.SETTINGS).length > 0, 3000, "the server's SETTINGS");
    // Room for a few 8 MiB thread stacks more, not for 60: pthread_create fails with EAGAIN.
    const vmKb = procStatus(server.pid, "VmSize");
    execFileSync("prlimit", ["--pid", String(server.pid), `--as=${(vmKb + 64 * 1024) * 1024}:unlimited`]);
    try {
      for (let i = 0; i < 60; i++) raw.headers(2 * i + 1, requestFields("POST", BIDI_PATH, BIDI_FIELDS), false);
      await raw.until(() => new Set(raw.of(FRAME.HEADERS).map((f) => f.id)).size === 60 || raw.closed, 5000, "60 answers");
    } finally {
      execFileSync("prlimit", ["--pid", String(server.pid), "--as=unlimited:unlimited"]);
    }
    const busy = new Set(
      raw.of(FRAME.DATA).filter((f) => f.payload.toString().includes("Bedrock is unable to process your request.")).map((f) => f.id),
    );
    assert.ok(busy.size > 0, `${busy.size} of 60 answered 503; frames ${raw.summary()}`);
    raw.close();
    await assertServesOthers(server.port);
  });
});

describe("HTTP/2 request heads over the limits", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test("a :path of 20,000 characters is answered 414, the connection kept", async () => {
    const response = await h2(server.port, { ":method": "POST", ":path": `/model/${"m".repeat(20000)}/converse` }, CONVERSE_BODY);
    assert.equal(response.status, 414, String(response.error));
    assert.match(response.headers["x-amzn-errortype"], /^ValidationException/);
    assert.ok(response.headers["x-amzn-requestid"]);
    assert.deepEqual(JSON.parse(response.body), { message: "The HTTP request is malformed." });
    await assertServesOthers(server.port);
  });

  test("a header list over 64 KiB is answered 431, the connection kept", async () => {
    const raw = await RawH2.open(server.port);
    raw.attach();
    const big = Array.from({ length: 8 }, (_, i) => [`x-big-${i}`, "v".repeat(10000)]);
    raw.headers(1, requestFields("GET", "/_emulator/health", big), true);
    raw.headers(3, requestFields("GET", "/_emulator/health"), true);
    await raw.until(() => raw.of(FRAME.DATA).some((f) => f.id === 3) || raw.closed, 3000, "the second stream's answer");
    assert.equal(raw.goaway(), undefined, "no GOAWAY for a stream-level refusal");
    const refusal = Buffer.concat(raw.of(FRAME.DATA).filter((f) => f.id === 1).map((f) => f.payload)).toString();
    assert.deepEqual(JSON.parse(refusal), { message: "The HTTP request headers are too large." });
    assert.ok(raw.of(FRAME.DATA).some((f) => f.id === 3), "the connection serves the next stream");
    raw.close();
    // The status itself, through a real client.
    const headers = { ":method": "GET", ":path": "/_emulator/health" };
    for (const [name, value] of big) headers[name] = value;
    const response = await h2(server.port, headers, undefined, { maxSendHeaderBlockLength: 1 << 20 });
    assert.equal(response.status, 431, String(response.error));
    // One field over 16 KiB, and more than 100 fields, each small.
    const oneBig = await h2(server.port, { ":method": "GET", ":path": "/_emulator/health", "x-one": "v".repeat(20000) });
    assert.equal(oneBig.status, 431, String(oneBig.error));
    const many = { ":method": "GET", ":path": "/_emulator/health" };
    for (let i = 0; i < 101; i++) many[`x-field-${i}`] = "v";
    const manyFields = await h2(server.port, many);
    assert.equal(manyFields.status, 431, String(manyFields.error));
    // Just under every limit still works.
    const fine = { ":method": "GET", ":path": "/_emulator/health", "x-one": "v".repeat(16000) };
    for (let i = 0; i < 90; i++) fine[`x-field-${i}`] = "v";
    assert.equal((await h2(server.port, fine)).status, 200);
    await assertServesOthers(server.port);
  });

  test("a header field over the HPACK decoder's limit gets GOAWAY before the close", async () => {
    const raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, requestFields("GET", "/_emulator/health", [["x-huge", "v".repeat(70000)]]), true);
    await raw.until(() => raw.closed, 3000, "the connection to close");
    const goaway = raw.goaway();
    assert.ok(goaway, `GOAWAY before close; frames: ${raw.summary()}`);
    assert.equal(goaway.code, ERROR.COMPRESSION_ERROR);
    await assertServesOthers(server.port);
  });
});

describe("HTTP/2 request bodies over the limit", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test("300 MB of DATA is refused early; the server's peak RSS stays under 300 MB", async (t) => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const stream = session.request({ ":method": "POST", ":path": `/model/${MODEL}/invoke`, "content-type": "application/json" });
    let response;
    let sent = 0;
    const chunk = Buffer.alloc(1 << 20, 0x61);
    const done = new Promise((resolve) => stream.on("close", resolve));
    const chunks = [];
    stream.on("response", (h) => (response = h));
    stream.on("data", (c) => chunks.push(c));
    stream.on("error", () => {});
    const started = Date.now();
    while (sent < 300 * (1 << 20) && !stream.destroyed && !response && Date.now() - started < 20000) {
      sent += chunk.length;
      if (!stream.write(chunk)) await Promise.race([new Promise((r) => stream.once("drain", r)), done, sleep(500)]);
    }
    await Promise.race([done, sleep(3000)]);
    session.destroy();
    assert.ok(response, "answered before the body ended");
    assert.equal(response[":status"], 400);
    assert.match(response["x-amzn-errortype"], /^ValidationException/);
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), {
      message: `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BODY}`,
    });
    assert.equal(stream.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    // The cap plus what flow control let through after it, not 300 MB.
    assert.ok(sent < MAX_BODY + 8 * (1 << 20), `client wrote ${sent} bytes`);
    const peakKb = procStatus(server.pid, "VmHWM");
    t.diagnostic(`client wrote ${sent} bytes before the answer; server VmHWM ${peakKb} kB`);
    assert.ok(peakKb < 300 * 1024, `VmHWM ${peakKb} kB`);
    await assertServesOthers(server.port);
  });

  test("a declared content-length over the cap is refused before any DATA", async () => {
    const raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, requestFields("POST", `/model/${MODEL}/invoke`, [["content-type", "application/json"], ["content-length", "300000000"]]), false);
    await raw.until(() => raw.of(FRAME.RST_STREAM).some((f) => f.id === 1) || raw.closed, 3000, "RST_STREAM");
    const body = Buffer.concat(raw.of(FRAME.DATA).filter((f) => f.id === 1).map((f) => f.payload)).toString();
    assert.match(JSON.parse(body).message, /less than or equal to 25000000$/);
    const rst = raw.of(FRAME.RST_STREAM).find((f) => f.id === 1);
    assert.equal(rst.payload.readUInt32BE(0), ERROR.NO_ERROR, "RST_STREAM NO_ERROR after the answer (RFC 9113 8.1)");
    raw.close();
    await assertServesOthers(server.port);
  });
});

describe("HTTP/2 request bodies of all streams together", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  // Writes `bytes` of body on a new stream of `session` without ending it; resolves to the
  // response head if one comes first.
  function upload(session, bytes) {
    const stream = session.request({ ":method": "POST", ":path": `/model/${MODEL}/invoke`, "content-type": "application/json" });
    stream.on("error", () => {});
    const chunk = Buffer.alloc(1 << 20, 0x61);
    return new Promise((resolve) => {
      stream.on("response", (headers) => resolve(headers));
      (async () => {
        for (let sent = 0; sent < bytes && !stream.destroyed; sent += chunk.length) {
          if (!stream.write(chunk)) await Promise.race([new Promise((r) => stream.once("drain", r)), sleep(2000)]);
        }
        await sleep(1000);
        resolve(null);
      })();
    });
  }

  test("past the process body allowance (two largest bodies) a stream is answered 503; it comes back", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const heads = await Promise.all(Array.from({ length: 6 }, () => upload(session, 24 * (1 << 20))));
    const busy = heads.filter((h) => h && h[":status"] === 503);
    assert.ok(busy.length >= 1, JSON.stringify(heads));
    assert.match(busy[0]["x-amzn-errortype"], /^ServiceUnavailableException/);
    assert.ok(procStatus(server.pid, "VmHWM") < 300 * 1024, `VmHWM ${procStatus(server.pid, "VmHWM")} kB`);
    session.destroy();
    await sleep(200);
    // The streams are gone and with them what they held: a 20 MB body is read whole again.
    const whole = await h2(server.port, { ":method": "POST", ":path": `/model/${MODEL}/invoke`, "content-type": "application/json" }, Buffer.alloc(20 * (1 << 20), 0x61));
    assert.notEqual(whole.status, 503, String(whole.error));
    assert.ok(!whole.body.includes("25000000"), whole.body);
    await assertServesOthers(server.port);
  });
});

describe("incomplete HTTP/2 requests never run", () => {
  let server;
  before(async () => {
    server = await startEmulator();
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  const startBody = JSON.stringify({
    modelId: REEL,
    modelInput: { taskType: "TEXT_VIDEO", textToVideoParams: { text: "a lighthouse" }, videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: "1280x720", seed: 0 } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://h2-hardening/out" } },
  });
  async function invocations() {
    const { status, body } = await http1Request(server.port, "GET", "/async-invoke");
    assert.equal(status, 200);
    return JSON.parse(body).asyncInvokeSummaries.length;
  }
  const head = (extra = []) => requestFields("POST", "/async-invoke", [["content-type", "application/json"], ...extra]);

  test("StartAsyncInvoke reset, cut or short of its content-length creates nothing", async () => {
    const half = startBody.slice(0, startBody.length - 10);
    // Reset by the client after most of the body.
    let raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, head(), false);
    raw.data(1, half, false);
    await sleep(100);
    raw.rst(1, ERROR.CANCEL);
    await sleep(100);
    raw.close();
    // The connection dropped before END_STREAM.
    raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, head(), false);
    raw.data(1, half, false);
    await sleep(100);
    raw.close();
    // END_STREAM before the declared content-length: a malformed request (RFC 9113 8.1.1).
    raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, head([["content-length", String(startBody.length)]]), false);
    raw.data(1, half, true);
    await raw.until(() => raw.of(FRAME.RST_STREAM).length > 0 || raw.closed, 3000, "RST_STREAM");
    raw.close();
    await sleep(200);
    assert.equal(await invocations(), 0);

    // The same request whole does create one: the check above can fail.
    raw = await RawH2.open(server.port);
    raw.attach();
    raw.headers(1, head(), false);
    raw.data(1, startBody, true);
    await raw.until(() => raw.of(FRAME.DATA).some((f) => f.id === 1), 3000, "the answer");
    raw.close();
    assert.equal(await invocations(), 1);
    await assertServesOthers(server.port);
  });
});

describe("HTTP/2 on SIGTERM", () => {
  test("GOAWAY, open streams finish, then the process exits 0", async (t) => {
    const server = await startEmulator();
    try {
      await loadScenario(server.port, [{ match: { operation: "ConverseStream" }, latency: { betweenEventsMs: 150 } }]);
      const session = http2.connect(`http://127.0.0.1:${server.port}`);
      session.on("error", () => {});
      const goaway = new Promise((resolve) => session.once("goaway", (code, lastStreamID) => resolve({ code, lastStreamID })));
      const stream = session.request({ ":method": "POST", ":path": `/model/${MODEL}/converse-stream`, "content-type": "application/json" });
      const chunks = [];
      const firstData = new Promise((resolve) => stream.once("data", resolve));
      stream.on("data", (c) => chunks.push(c));
      const ended = new Promise((resolve) => stream.on("close", () => resolve(stream.rstCode)));
      stream.end(CONVERSE_BODY);
      await firstData;
      const started = Date.now();
      const exited = server.stop();
      const away = await goaway;
      assert.equal(away.code, http2.constants.NGHTTP2_NO_ERROR);
      assert.equal(away.lastStreamID, 1);
      assert.equal(await ended, http2.constants.NGHTTP2_NO_ERROR);
      const text = Buffer.concat(chunks).toString("latin1");
      assert.ok(text.includes("messageStop") && text.includes("metadata"), "the open stream ran to its end");
      assert.equal(await exited, 0);
      t.diagnostic(`exit ${Date.now() - started} ms after SIGTERM`);
      assert.ok(Date.now() - started < 6000, `exit took ${Date.now() - started} ms`);
    } finally {
      await server.stop();
    }
  });

  test("a stream that outlasts the grace period is cut; exit within grace + 1 s", async (t) => {
    const server = await startEmulator();
    try {
      await loadScenario(server.port, [{ match: { operation: "ConverseStream" }, latency: { betweenEventsMs: 20000 } }]);
      const raw = await RawH2.open(server.port);
      raw.attach();
      raw.headers(1, requestFields("POST", `/model/${MODEL}/converse-stream`, [["content-type", "application/json"]]), false);
      raw.data(1, CONVERSE_BODY, true);
      await raw.until(() => raw.of(FRAME.HEADERS).length > 0, 3000, "the response head");
      const started = Date.now();
      const code = await server.stop();
      const took = Date.now() - started;
      t.diagnostic(`exit ${took} ms after SIGTERM`);
      assert.equal(code, 0);
      assert.ok(raw.goaway(), "GOAWAY first");
      assert.ok(took >= 4500 && took < 6000, `exit after ${took} ms (grace 5 s)`);
      raw.close();
    } finally {
      await server.stop();
    }
  });
});
