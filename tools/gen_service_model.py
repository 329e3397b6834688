#!/usr/bin/env python3
"""Emits emulator/src/protocol/generated/service_model.cc from the published service models.

The emulator validates every request against the shapes of bedrock-runtime-2023-09-30 (types,
required members, lengths, ranges, enums, patterns) and routes by its requestUri table. This
keeps only what validation needs (documentation stripped) and embeds it as a string, so the
binary carries the model with no file to find at run time.

The newest model is the one in the JS SDK (@aws-sdk/client-bedrock-runtime): its schema
(read by tools/js_service_model.cjs) gives the operations, members, required members,
locations, unions, event streams, errors and enums. It carries no lengths, ranges or patterns
and names no simple shapes, so the botocore JSON model is the base: every shape and member it
has keeps its constraints, and what the JS schema adds (operations, shapes, members, enum
values, required members) is merged in. A new member of a simple type takes its enum from
dist-types (the enum its type names, or values listed in its documentation as "Supported
values are <code>a</code>, ... <code>z</code>") and otherwise the plain shape of its type.

Usage (from the repository root, one command for the next update):
  tools/gen_service_model.py [BOTOCORE.service.json] [PATH/TO/@aws-sdk/client-bedrock-runtime]
Defaults: /work/shared/reference/bedrock-runtime-2023-09-30.service.json and
tests/js/node_modules/@aws-sdk/client-bedrock-runtime.

The same command writes emulator/src/protocol/generated/control_plane_models.cc: the models of
`bedrock` (2023-04-20) and `bedrock-agent` (2023-06-05) from the installed botocore's data folder
merged with @aws-sdk/client-bedrock and @aws-sdk/client-bedrock-agent, kept to the operations
the emulator serves (CONTROL_PLANE below) and the shapes they reach.
"""
import copy
import gzip
import json
import os
import re
import subprocess
import sys

KEEP_SHAPE_KEYS = {"type", "members", "member", "key", "value", "required", "min", "max",
                   "pattern", "enum", "union", "payload", "event", "eventstream", "streaming",
                   "exception", "error", "timestampFormat", "sensitive", "document"}
KEEP_MEMBER_KEYS = {"shape", "location", "locationName", "timestampFormat", "eventpayload",
                    "eventheader", "idempotencyToken", "jsonvalue"}
DEFAULT_BOTOCORE = "/work/shared/reference/bedrock-runtime-2023-09-30.service.json"
DEFAULT_JS = "tests/js/node_modules/@aws-sdk/client-bedrock-runtime"
HERE = os.path.dirname(os.path.abspath(__file__))
JS_MODULES = "tests/js/node_modules/@aws-sdk"
# botocore's own data folder (python3-boto3 on Debian, or pip's botocore; 1.43.11 made the
# committed models): its control-plane models carry the lengths, ranges and patterns the JS
# schemas lack. Looked up only when the control-plane models are written.
def botocore_data():
    import botocore
    return os.path.join(os.path.dirname(botocore.__file__), "data"), botocore.__version__


def botocore_model_path(data, service, version):
    """service-2.json.gz in pip's botocore, service-2.json in some distribution packages."""
    folder = os.path.join(data, service, version)
    for name in ("service-2.json.gz", "service-2.json"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    sys.exit(f"no botocore model for {service} {version} under {folder}")
# The control-plane operations the emulator serves (operations/control_plane_*.cc), by the
# function that returns each service's model.
CONTROL_PLANE = {
    "control_plane_model_json": ("bedrock", "2023-04-20", "client-bedrock", [
        "CreateGuardrail", "GetGuardrail", "ListGuardrails", "UpdateGuardrail", "DeleteGuardrail",
        "CreateGuardrailVersion", "ListFoundationModels", "GetFoundationModel",
        "ListInferenceProfiles", "GetInferenceProfile", "CreateInferenceProfile",
        "DeleteInferenceProfile", "TagResource", "UntagResource", "ListTagsForResource"]),
    "agent_model_json": ("bedrock-agent", "2023-06-05", "client-bedrock-agent", [
        "CreatePrompt", "GetPrompt", "ListPrompts", "UpdatePrompt", "DeletePrompt",
        "CreatePromptVersion"]),
}

# Plain shapes botocore already names, for new members of a simple type.
PLAIN = {"string": "String", "boolean": "Boolean", "timestamp": "Timestamp", "blob": "Blob",
         "document": "Document", "long": "Long", "number": "Integer", "double": "Double"}
PLAIN_TYPES = {"String": "string", "Boolean": "boolean", "Timestamp": "timestamp",
               "Blob": "blob", "Long": "long", "Integer": "integer", "Double": "double"}


def trim(model):
    shapes = {}
    for name, shape in model["shapes"].items():
        out = {k: v for k, v in shape.items() if k in KEEP_SHAPE_KEYS}
        if "members" in out:
            out["members"] = {m: {k: v for k, v in spec.items() if k in KEEP_MEMBER_KEYS}
                              for m, spec in out["members"].items()}
        for ref in ("member", "key", "value"):
            if ref in out:
                out[ref] = {k: v for k, v in out[ref].items() if k in KEEP_MEMBER_KEYS}
        shapes[name] = out
    operations = {name: {"http": op["http"], "input": op.get("input", {}).get("shape"),
                         "output": op.get("output", {}).get("shape")}
                  for name, op in model["operations"].items()}
    return {"metadata": {k: model["metadata"][k] for k in ("apiVersion", "uid", "signingName")},
            "operations": operations, "shapes": shapes}


def read_member_types(js_dir):
    """{(interface, member): (type text, documentation)} from dist-types/models/models_*.d.ts."""
    folder = os.path.join(js_dir, "dist-types", "models")
    text = ""
    for name in sorted(os.listdir(folder)):
        if re.fullmatch(r"models_\d+\.d\.ts", name):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text += f.read()
    found = {}
    for interface, body in re.findall(r"export interface (\w+) \{(.*?)\n\}", text, re.S):
        for doc, member, type_text in re.findall(
                r"/\*\*(.*?)\*/\s*(\w+)\??: ([^;]+);", body, re.S):
            found[(interface, member)] = (type_text.replace(" | undefined", "").strip(), doc)
    return found


def documented_values(doc):
    match = re.search(r"Supported values are (.*?)</p>", doc)
    return re.findall(r"<code>([^<]+)</code>", match.group(1)) if match else []


class Merger:
    def __init__(self, model, js, member_types):
        self.model, self.js, self.member_types = model, js, member_types
        self.shapes = model["shapes"]

    def declared_order(self, values):
        """The JS SDK sorts enum values; error messages list them in the model's order. A new
        enum with the value set of a botocore one (GuardrailChecksRole and ConversationRole)
        takes its order; others stay sorted (the declared order is not published in them)."""
        for shape in self.shapes.values():
            known = shape.get("enum")
            if known and set(known) == set(values):
                return list(known)
        return values

    def plain(self, kind, owner, member):
        if kind == "number" and re.search(r"(Score|Confidence)$", member):
            kind = "double"
        name = PLAIN[kind]
        if name not in self.shapes:
            self.shapes[name] = ({"type": "structure", "members": {}, "document": True}
                                 if name == "Document" else {"type": PLAIN_TYPES[name]})
        return name

    def simple(self, ref, owner, member):
        """The shape name for a member the JS schema gives only as a simple kind."""
        kind = ref["primitive"]
        type_text, doc = self.member_types.get((owner, member), ("", ""))
        if kind == "list":
            name = f"{owner}{member[0].upper()}{member[1:]}List"
            self.shapes[name] = {"type": "list",
                                 "member": {"shape": self.simple(ref["member"], owner, member)}}
            return name
        if kind == "map":
            name = f"{owner}{member[0].upper()}{member[1:]}Map"
            self.shapes[name] = {"type": "map", "key": {"shape": self.plain("string", "", "")},
                                 "value": {"shape": self.simple(ref["value"], owner, member)}}
            return name
        if kind == "string" and type_text in self.js["enums"]:
            self.shapes.setdefault(type_text, {"type": "string"})
            self.shapes[type_text]["enum"] = self.declared_order(self.js["enums"][type_text])
            return type_text
        values = documented_values(doc) if kind == "string" else []
        if values:
            name = f"{owner}{member[0].upper()}{member[1:]}"
            self.shapes[name] = {"type": "string", "enum": values}
            return name
        return self.plain(kind, owner, member)

    def reference(self, ref, owner, member):
        out = {k: v for k, v in ref.items() if k in KEEP_MEMBER_KEYS}
        if "shape" in ref:
            self.add_shape(ref["shape"])
        else:
            out["shape"] = self.simple(ref, owner, member)
        return out

    def add_shape(self, name):
        if name in self.shapes:
            return
        js_shape = self.js["shapes"][name]
        if js_shape.get("simple"):
            kind = js_shape["primitive"]
            self.shapes[name] = {"type": PLAIN_TYPES[PLAIN[kind]] if kind in PLAIN else kind}
            if js_shape.get("sensitive"):
                self.shapes[name]["sensitive"] = True
            return
        shape = {k: v for k, v in js_shape.items()
                 if k in KEEP_SHAPE_KEYS and k not in ("members", "member", "key", "value")}
        self.shapes[name] = shape
        for part in ("member", "key", "value"):
            if part in js_shape:
                shape[part] = self.reference(js_shape[part], name, part)
        if "members" in js_shape:
            shape["members"] = {m: self.reference(ref, name, m)
                                for m, ref in js_shape["members"].items()}

    def merge_shape(self, name, js_shape):
        shape = self.shapes[name]
        for member, ref in js_shape.get("members", {}).items():
            if member not in shape.get("members", {}):
                shape.setdefault("members", {})[member] = self.reference(ref, name, member)
        if js_shape.get("required"):
            shape["required"] = js_shape["required"]
        else:
            shape.pop("required", None)

    def run(self):
        for name, values in self.js["enums"].items():
            if name in self.shapes and "enum" in self.shapes[name]:
                # botocore's order (the order error messages list them in), new values after.
                known = self.shapes[name]["enum"]
                known += [v for v in values if v not in known]
        for name, op in self.js["operations"].items():
            if name not in self.model["operations"]:
                self.add_shape(op["input"])
                self.add_shape(op["output"])
                self.model["operations"][name] = op
        for name, js_shape in self.js["shapes"].items():
            if name in self.shapes and "members" in js_shape and "members" in self.shapes[name]:
                self.merge_shape(name, js_shape)
        return self.model


def prune(model, operations):
    """Only `operations` and the shapes they reach: the control-plane models are large, and the
    emulator serves a few of their operations."""
    model["operations"] = {name: model["operations"][name] for name in operations}
    keep, todo = set(), []
    for op in model["operations"].values():
        todo += [op["input"], op["output"]]
    todo += [name for name, shape in model["shapes"].items() if shape.get("exception")]
    while todo:
        name = todo.pop()
        if not name or name in keep:
            continue
        keep.add(name)
        shape = model["shapes"][name]
        refs = list(shape.get("members", {}).values()) + [shape[k] for k in ("member", "key", "value")
                                                          if k in shape]
        todo += [ref["shape"] for ref in refs]
    model["shapes"] = {name: shape for name, shape in model["shapes"].items() if name in keep}
    return model


def merged_model(botocore_path, js_dir, operations=None):
    opener = gzip.open if botocore_path.endswith(".gz") else open
    with opener(botocore_path, "rt", encoding="utf-8") as f:
        model = trim(json.load(f))
    js = json.loads(subprocess.run(["node", os.path.join(HERE, "js_service_model.cjs"), js_dir],
                                   check=True, capture_output=True, text=True).stdout)
    model = Merger(model, js, read_member_types(js_dir)).run()
    if operations:
        model = prune(model, operations)
    origin = (f"{model['metadata']['uid']}.service.json (botocore)\n// merged with the schema of "
              f"@aws-sdk/{os.path.basename(js_dir)} {js['version']}")
    text = json.dumps(model, sort_keys=True, separators=(",", ":"))
    assert ')model"' not in text
    return text, origin


def literal(function, text):
    """A C++ function returning `text`, as separate literals joined at run time: ISO C++ only
    promises 65,536 characters in one string literal (-Woverlength-strings under -Wpedantic)."""
    pieces = [text[i:i + 8000] for i in range(0, len(text), 8000)]
    body = ",\n".join(f'      R"model({p})model"' for p in pieces)
    return f"""const std::string& {function}() {{
  // The pieces are data, 8,000 characters a line: not for clang-format.
  // clang-format off
  static const char* const kPieces[] = {{
{body}}};
  // clang-format on
  static const std::string kModel = [] {{
    std::string joined;
    for (const char* piece : kPieces) joined += piece;
    return joined;
  }}();
  return kModel;
}}
"""


def write_source(path, origins, functions):
    header = "\n".join(f"// Generated by tools/gen_service_model.py from {o}." for o in origins)
    source = f"""{header}
// Do not edit; run the generator again.
#include "protocol/service_model.h"

namespace bedrock {{

{chr(10).join(functions)}
}}  // namespace bedrock
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)


def main():
    args = sys.argv[1:]
    if len(args) > 2 or any(a.startswith("-") for a in args):
        sys.exit(__doc__)
    botocore_path = args[0] if args else DEFAULT_BOTOCORE
    js_dir = args[1] if len(args) > 1 else DEFAULT_JS
    text, origin = merged_model(botocore_path, js_dir)
    write_source("emulator/src/protocol/generated/service_model.cc", [origin],
                 [literal("service_model_json", text)])
    origins, functions = [], []
    data, botocore_version = botocore_data()
    for function, (service, version, package, operations) in CONTROL_PLANE.items():
        text, origin = merged_model(botocore_model_path(data, service, version),
                                    os.path.join(JS_MODULES, package), operations)
        origins.append(origin.replace(" (botocore)\n// merged",
                                      f"\n// (botocore {botocore_version}) merged"))
        functions.append(literal(function, text))
    write_source("emulator/src/protocol/generated/control_plane_models.cc", origins, functions)


if __name__ == "__main__":
    main()
