#!/usr/bin/env node
// Reads the schema a Smithy-generated JS client carries (@aws-sdk/client-bedrock-runtime,
// dist-cjs: the `Name$` schema arrays and the enum objects) and prints it as JSON in the form
// of a botocore service model: shapes with type, members (shape, location, locationName),
// required, union, eventstream, exception/error; operations with http and input/output.
// The JS schema carries no lengths, ranges or patterns and names no simple shapes: a member of
// a simple type is written {"primitive": kind}; tools/gen_service_model.py merges this with the
// botocore model, which supplies those.
//
// Usage: node tools/js_service_model.cjs PATH/TO/@aws-sdk/client-bedrock-runtime
"use strict";
const path = require("path");

const dir = path.resolve(process.argv[2] || "");
const sdk = require(path.join(dir, "dist-cjs", "index.js"));

// @smithy/core/schema's numeric schema codes for simple types.
const SIMPLE = { 0: "string", 1: "number", 2: "boolean", 4: "timestamp", 5: "timestamp",
                 6: "timestamp", 7: "timestamp", 15: "document", 17: "long", 19: "double",
                 21: "blob", 42: "blob" };
// Bit traits of a member (httpLabel 1, idempotencyToken 4, sensitive 8, httpPayload 16).
const LABEL = 1, IDEMPOTENCY = 4, PAYLOAD = 16;

const shapes = {};
const operations = {};

function simpleOf(code) {
  if (code & 64) return { primitive: "list", member: simpleOf(code & 63) };
  if (code & 128) return { primitive: "map", value: simpleOf(code & 63) };
  return { primitive: SIMPLE[code] || "string" };
}

// A schema reference: a function returning the schema, a schema array, or a simple code.
function refOf(ref) {
  if (typeof ref === "function") ref = ref();
  if (typeof ref === "number") return simpleOf(ref);
  visit(ref);
  return { shape: ref[2] };
}

function memberOf(spec, isPayload) {
  let ref = spec, traits = 0;
  // A member is a reference, or [reference, traits] (a schema array is longer).
  if (Array.isArray(spec) && spec.length === 2) [ref, traits] = spec;
  const out = refOf(ref);
  if (typeof traits === "number") {
    if (traits & LABEL) out.location = "uri";
    if (traits & IDEMPOTENCY) out.idempotencyToken = true;
    if (traits & PAYLOAD) isPayload.value = true;
  } else if (traits) {
    if (traits.httpHeader) Object.assign(out, { location: "header", locationName: traits.httpHeader });
    if (traits.httpQuery) Object.assign(out, { location: "querystring", locationName: traits.httpQuery });
    if (traits.httpLabel) out.location = "uri";
    if (traits.httpPayload) isPayload.value = true;
  }
  return out;
}

function visit(schema) {
  const [kind, , name] = schema;
  if (name in shapes) return;
  const shape = {};
  shapes[name] = shape;
  const traits = schema[3] || {};
  if (kind === 0) {
    Object.assign(shape, refOf(schema[4]), { simple: true });
    if ((typeof traits === "number" ? traits : 0) & 8) shape.sensitive = true;
  } else if (kind === 1) {
    shape.type = "list";
    shape.member = memberOf(schema[4], {});
  } else if (kind === 2) {
    shape.type = "map";
    shape.key = memberOf(schema[4], {});
    shape.value = memberOf(schema[5], {});
  } else if (kind === 3 || kind === 4 || kind === -3) {
    shape.type = "structure";
    if (kind === 4) shape.union = true;
    if (traits.streaming) shape.eventstream = true;
    if (kind === -3) {
      shape.exception = true;
      shape.error = { httpStatusCode: traits.httpError,
                      senderFault: traits.error === "client" };
    }
    shape.members = {};
    const names = schema[4], specs = schema[5];
    names.forEach((member, i) => {
      const isPayload = { value: false };
      shape.members[member] = memberOf(specs[i], isPayload);
      if (isPayload.value) shape.payload = member;
    });
    // Smithy orders required members first; the count follows the member lists.
    const requiredCount = schema[6] || 0;
    if (requiredCount) shape.required = names.slice(0, requiredCount);
  }
}

for (const [key, value] of Object.entries(sdk)) {
  if (!key.endsWith("$") || !Array.isArray(value) || value[0] !== 9) continue;
  const [method, requestUri, responseCode] = value[3].http;
  const input = value[4](), output = value[5]();
  visit(input);
  visit(output);
  operations[value[2]] = { http: { method, requestUri, responseCode },
                           input: input[2], output: output[2] };
}
// Errors are registered, not reachable from an operation's input or output.
for (const [key, value] of Object.entries(sdk)) {
  if (key.endsWith("$") && Array.isArray(value) && value[0] === -3 && value[2] !== "BedrockRuntimeServiceException") visit(value);
}

// Enum objects ({ASSISTANT: "assistant", ...}) are exported under their shape's name.
const enums = {};
for (const [key, value] of Object.entries(sdk)) {
  if (value && typeof value === "object" && !Array.isArray(value) &&
      Object.values(value).length && Object.values(value).every((v) => typeof v === "string")) {
    enums[key] = Object.values(value);
  }
}

const version = require(path.join(dir, "package.json")).version;
process.stdout.write(JSON.stringify({ version, operations, shapes, enums }, null, 1));
