// Cross-checks the project's event-stream codec (through tests/tools/eventstream_tool) against
// @smithy/eventstream-codec, the codec the AWS SDK for JavaScript uses, in both directions:
//   (a) smithy encodes -> our tool decodes -> equals the original message;
//   (b) our tool encodes -> the bytes equal smithy's encoding and smithy decodes them back.
// Inputs: ~300 seeded random messages covering all ten header types, plus the official vectors
// in fixtures/eventstream.
//
// Run: EVENTSTREAM_TOOL=/path/to/eventstream_tool node --test tests/js/wire/
// Optional: EVENTSTREAM_SEED (default 20240601) to vary the random messages.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { EventStreamCodec, Int64 } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../fixtures/eventstream");
const SEED = Number(process.env.EVENTSTREAM_SEED ?? 20240601);
const MESSAGE_COUNT = 300;
const TYPES = [
  "bool_true",
  "bool_false",
  "byte",
  "int16",
  "int32",
  "int64",
  "bytes",
  "string",
  "timestamp",
  "uuid",
];

const codec = new EventStreamCodec(toUtf8, fromUtf8);

// ---------------------------------------------------------------------------------------------
// Canonical form, shared by all comparisons: the tool's JSON format, with int64 and timestamp
// values as BigInt: { headers: [{ name, type, value }], payload_base64 }.

const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
const fromB64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
const isBig = (type) => type === "int64" || type === "timestamp";

function toSmithy(message) {
  const headers = {};
  for (const { name, type, value } of message.headers) {
    assert.ok(!Object.hasOwn(headers, name), `duplicate header name ${JSON.stringify(name)}`);
    switch (type) {
      case "bool_true":
      case "bool_false":
        headers[name] = { type: "boolean", value: type === "bool_true" };
        break;
      case "byte":
        headers[name] = { type: "byte", value };
        break;
      case "int16":
        headers[name] = { type: "short", value };
        break;
      case "int32":
        headers[name] = { type: "integer", value };
        break;
      case "int64": {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigInt64(0, value);
        headers[name] = { type: "long", value: new Int64(bytes) };
        break;
      }
      case "bytes":
        headers[name] = { type: "binary", value: fromB64(value) };
        break;
      case "string":
        headers[name] = { type: "string", value };
        break;
      case "timestamp":
        headers[name] = { type: "timestamp", value: new Date(Number(value)) };
        break;
      case "uuid":
        headers[name] = {
          type: "uuid",
          value: value.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5"),
        };
        break;
      default:
        throw new Error(`unknown type ${type}`);
    }
  }
  return { headers, body: fromB64(message.payload_base64) };
}

function fromSmithy({ headers, body }) {
  const out = [];
  for (const [name, { type, value }] of Object.entries(headers)) {
    switch (type) {
      case "boolean":
        out.push({ name, type: value ? "bool_true" : "bool_false", value });
        break;
      case "byte":
        out.push({ name, type: "byte", value });
        break;
      case "short":
        out.push({ name, type: "int16", value });
        break;
      case "integer":
        out.push({ name, type: "int32", value });
        break;
      case "long": {
        const bytes = value.bytes;
        const big = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0);
        out.push({ name, type: "int64", value: big });
        break;
      }
      case "binary":
        out.push({ name, type: "bytes", value: b64(value) });
        break;
      case "string":
        out.push({ name, type: "string", value });
        break;
      case "timestamp":
        out.push({ name, type: "timestamp", value: BigInt(value.getTime()) });
        break;
      case "uuid":
        out.push({ name, type: "uuid", value: value.replace(/-/g, "") });
        break;
      default:
        throw new Error(`unknown smithy type ${type}`);
    }
  }
  return { headers: out, payload_base64: b64(body) };
}

// One JSON line for the tool; BigInts become JSON integers without losing precision.
function toToolLine(message) {
  const text = JSON.stringify(message, (_key, v) =>
    typeof v === "bigint" ? `__bigint__${v.toString()}` : v,
  );
  return text.replace(/"__bigint__(-?\d+)"/g, "$1");
}

// Parses one JSON line of the tool. Integer values are quoted before JSON.parse so int64 keeps
// its precision: `"value":` followed by a digit cannot occur inside a JSON string (every quote
// there is escaped), so only structural values are touched.
function fromToolLine(line) {
  const parsed = JSON.parse(line.replace(/"value":(-?\d+)/g, '"value":"$1"'));
  if (parsed.error !== undefined) return parsed;
  for (const h of parsed.headers) {
    if (isBig(h.type)) h.value = BigInt(h.value);
    else if (h.type === "byte" || h.type === "int16" || h.type === "int32") h.value = Number(h.value);
  }
  return parsed;
}

function fromVectorJson(json) {
  return {
    headers: Object.entries(json.headers).map(([name, { type, value }]) => ({
      name,
      type,
      value: isBig(type) ? BigInt(value) : value,
    })),
    payload_base64: json.payload_base64,
  };
}

// ---------------------------------------------------------------------------------------------
// The tool.

function runTool(mode, lines) {
  const tool = process.env.EVENTSTREAM_TOOL;
  assert.ok(
    tool,
    "EVENTSTREAM_TOOL is not set: point it at the built tests/tools/eventstream_tool binary",
  );
  const result = spawnSync(tool, [mode, "--seed", String(SEED)], {
    input: lines.map((l) => l + "\n").join(""),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  const out = result.stdout.split("\n").filter((l) => l.length > 0);
  return { status: result.status, out, stderr: result.stderr };
}

function toolEncode(messages) {
  const { status, out, stderr } = runTool("encode", messages.map(toToolLine));
  assert.equal(status, 0, `eventstream_tool encode failed: ${out.join("\n")} ${stderr}`);
  assert.equal(out.length, messages.length);
  return out.map(fromB64);
}

function toolDecode(chunks) {
  const { status, out, stderr } = runTool("decode", chunks.map(b64));
  assert.equal(status, 0, `eventstream_tool decode failed: ${out.join("\n")} ${stderr}`);
  return out.map(fromToolLine);
}

function concat(parts) {
  return new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

// ---------------------------------------------------------------------------------------------
// Seeded random messages.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeGenerator(seed) {
  const random = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (items) => items[int(0, items.length - 1)];
  const chance = (p) => random() < p;
  const bytes = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(0, 255);
    return out;
  };
  const codePoint = () => {
    switch (int(0, 5)) {
      case 0:
        return int(0x00, 0x1f); // control characters, NUL included
      case 1:
        return int(0x80, 0x7ff); // two-byte UTF-8
      case 2:
        return pick([int(0x800, 0xd7ff), int(0xe000, 0xfffd)]); // three-byte, no surrogates
      case 3:
        return int(0x10000, 0x10ffff); // four-byte (surrogate pairs in JS)
      default:
        return int(0x20, 0x7e);
    }
  };
  const unicode = (maxBytes, maxChars) => {
    const parts = [];
    let size = 0;
    const n = int(0, maxChars);
    for (let i = 0; i < n; i++) {
      const c = String.fromCodePoint(codePoint());
      size += Buffer.byteLength(c);
      if (size > maxBytes) break;
      parts.push(c);
    }
    return parts.join("");
  };
  const isArrayIndex = (s) => /^(0|[1-9]\d*)$/.test(s) && Number(s) < 2 ** 32 - 1;
  const name = (used) => {
    // Object keys that are array indexes would be reordered by JS, "__proto__" is special.
    for (;;) {
      let n;
      if (chance(0.1)) n = pick([":event-type", ":content-type", ":message-type", ""]);
      else if (chance(0.05)) n = "n".repeat(255);
      else n = unicode(255, chance(0.8) ? 12 : 80);
      if (!used.has(n) && !isArrayIndex(n) && n !== "__proto__") {
        used.add(n);
        return n;
      }
    }
  };
  const bigint64 = () =>
    chance(0.3)
      ? pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 3n])
      : BigInt.asIntN(64, (BigInt(int(0, 2 ** 32 - 1)) << 32n) | BigInt(int(0, 2 ** 32 - 1)));
  const value = (type) => {
    switch (type) {
      case "bool_true":
        return true;
      case "bool_false":
        return false;
      case "byte":
        return chance(0.3) ? pick([-128, 127, 0, -1]) : int(-128, 127);
      case "int16":
        return chance(0.3) ? pick([-32768, 32767, 0, -1]) : int(-32768, 32767);
      case "int32":
        return chance(0.3) ? pick([-(2 ** 31), 2 ** 31 - 1, 0, -1]) : int(-(2 ** 31), 2 ** 31 - 1);
      case "int64":
        return bigint64();
      case "bytes":
        return b64(bytes(chance(0.05) ? 32767 : chance(0.2) ? 0 : int(1, 64)));
      case "string":
        if (chance(0.05)) return "x".repeat(32767);
        if (chance(0.05)) return unicode(32767, 20000);
        return unicode(32767, chance(0.2) ? 0 : 40);
      case "timestamp": {
        // A JS Date holds at most +-8.64e15 ms.
        if (chance(0.3)) return pick([0n, -1n, 8640000000000000n, -8640000000000000n, 1717171717171n]);
        return BigInt(int(-8.64e15, 8.64e15));
      }
      case "uuid":
        return Buffer.from(bytes(16)).toString("hex");
    }
    throw new Error(type);
  };
  const message = (index) => {
    const used = new Set();
    const count = chance(0.15) ? 0 : int(1, chance(0.9) ? 12 : 40);
    const headers = [];
    for (let i = 0; i < count; i++) {
      // Cycle through the types first so every type is certainly covered.
      const type = index < TYPES.length && i === 0 ? TYPES[index] : pick(TYPES);
      headers.push({ name: name(used), type, value: value(type) });
    }
    const payloadSize = chance(0.25) ? 0 : chance(0.05) ? int(10000, 200000) : int(1, 3000);
    const payload = chance(0.3)
      ? Buffer.from(unicode(payloadSize, payloadSize))
      : bytes(payloadSize);
    return { headers, payload_base64: b64(payload) };
  };
  return { message, int };
}

// ---------------------------------------------------------------------------------------------

const gen = makeGenerator(SEED);
const messages = Array.from({ length: MESSAGE_COUNT }, (_, i) => gen.message(i));

test("random messages cover every header type and edge", () => {
  const seen = new Set(messages.flatMap((m) => m.headers.map((h) => h.type)));
  assert.deepEqual([...seen].sort(), [...TYPES].sort());
  assert.ok(messages.some((m) => m.payload_base64 === ""));
  assert.ok(messages.some((m) => m.headers.length === 0));
});

test("(a) smithy encodes, our decoder decodes to the original", (t) => {
  const encoded = messages.map((m) => codec.encode(toSmithy(m)));

  // One message per line.
  const decoded = toolDecode(encoded);
  assert.equal(decoded.length, messages.length);
  for (let i = 0; i < messages.length; i++) assert.deepEqual(decoded[i], messages[i], `message ${i}`);

  // Several concatenated messages per line.
  const lines = [];
  for (let i = 0; i < encoded.length; ) {
    const n = gen.int(1, 8);
    lines.push(concat(encoded.slice(i, i + n)));
    i += n;
  }
  const batched = toolDecode(lines);
  assert.deepEqual(batched, messages);
  t.diagnostic(`${messages.length} messages decoded, singly and in ${lines.length} batches`);
});

test("(b) our encoder matches smithy byte for byte and smithy decodes it", (t) => {
  const ours = toolEncode(messages);
  for (let i = 0; i < messages.length; i++) {
    const theirs = codec.encode(toSmithy(messages[i]));
    assert.equal(b64(ours[i]), b64(theirs), `message ${i}: encodings differ`);
    assert.deepEqual(fromSmithy(codec.decode(ours[i])), messages[i], `message ${i}`);
  }
  t.diagnostic(`${messages.length} messages encoded identically`);
});

test("official positive vectors pass through both codecs", (t) => {
  const dir = join(FIXTURES, "positive");
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".bin"))
    .map((f) => f.slice(0, -4))
    .sort();
  assert.equal(names.length, 5);
  const bins = names.map((n) => new Uint8Array(readFileSync(join(dir, `${n}.bin`))));
  const expected = names.map((n) =>
    fromVectorJson(JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8"))),
  );

  const ourDecoded = toolDecode(bins);
  const ourEncoded = toolEncode(expected);
  for (let i = 0; i < names.length; i++) {
    const label = `vector ${names[i]}`;
    assert.deepEqual(fromSmithy(codec.decode(bins[i])), expected[i], `${label}: smithy decode`);
    assert.deepEqual(ourDecoded[i], expected[i], `${label}: our decode`);
    assert.equal(b64(codec.encode(toSmithy(expected[i]))), b64(bins[i]), `${label}: smithy encode`);
    assert.equal(b64(ourEncoded[i]), b64(bins[i]), `${label}: our encode`);
  }
  assert.deepEqual(toolDecode([concat(bins)]), expected);
  t.diagnostic(`${names.length} vectors checked`);
});

test("official negative vectors are rejected by both codecs", (t) => {
  const dir = join(FIXTURES, "negative");
  const files = readdirSync(dir).filter((f) => f.endsWith(".bin")).sort();
  assert.equal(files.length, 4);
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    assert.throws(() => codec.decode(bytes), Error, `${file}: smithy accepted it`);
    const { status, out } = runTool("decode", [b64(bytes)]);
    assert.equal(status, 1, `${file}: our decoder accepted it`);
    assert.equal(out.length, 1);
    assert.equal(typeof fromToolLine(out[0]).error, "string");
  }
  // A message cut short is reported, not silently dropped.
  const whole = codec.encode(toSmithy(messages[1]));
  const { status } = runTool("decode", [b64(whole.subarray(0, whole.length - 1))]);
  assert.equal(status, 1);
  t.diagnostic(`${files.length} negative vectors rejected`);
});
