"""Compares a value against a golden shape and sorts what differs into real shape differences
(which fail) and differences that only depend on what a model chose to say (which are noted).

Shape language (JSON):
  "string" "integer" "number" "boolean" "null" "any" "object" "array"   a type
  {"$integer": {"min": 1}}              an integer with a lower bound (latencyMs is never 0)
  {"$const": V}                         exactly V
  {"$regex": "..."}                     a string matching the pattern (re.fullmatch)
  {"$enum": [...], "$choice": [...]}    a value in $enum; a value in $choice is a model choice
                                        (stopReason end_turn where the recording said tool_use)
  {"$oneOf": [S, ...]}                  any of the shapes
  {"$array": S, "$min": N}              every item matches S
  {"$array": S, "$len": N}              exactly N items, each matching S (an embedding's size)
  {"$tuple": [S, ...]}                  exactly these items in this order
  {"$blocks": {...}}                    content blocks, see compare_blocks
  {"$json": S}                          a string holding JSON that matches S
  {key: S, "key?": S}                   an object with exactly these keys ("?" marks optional)
Every difference is (path, expected, got).
"""
import json
import re

TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "any": lambda v: True,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object{" + ",".join(sorted(value)) + "}"
    return type(value).__name__


def describe(shape):
    """A short text for a shape, for diffs."""
    if isinstance(shape, str):
        return shape
    text = json.dumps(shape, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


class Result:
    """Differences found by one comparison: failures (real shape) and choices (model choice)."""

    def __init__(self):
        self.failures = []
        self.choices = []

    def fail(self, path, expected, got):
        self.failures.append((path or "$", expected, got))

    def choice(self, path, expected, got):
        self.choices.append((path or "$", expected, got))

    def extend(self, other):
        self.failures += other.failures
        self.choices += other.choices

    @property
    def ok(self):
        return not self.failures


def compare(shape, value, path="", result=None):
    result = result if result is not None else Result()
    if isinstance(shape, str):
        if shape not in TYPES:
            raise ValueError(f"unknown type {shape!r} at {path}")
        if not TYPES[shape](value):
            result.fail(path, shape, type_name(value))
        return result
    if isinstance(shape, dict) and any(k.startswith("$") for k in shape):
        return _compare_special(shape, value, path, result)
    if isinstance(shape, dict):
        return _compare_object(shape, value, path, result)
    raise ValueError(f"bad shape at {path}: {shape!r}")


def _compare_object(shape, value, path, result):
    if not isinstance(value, dict):
        result.fail(path, "object", type_name(value))
        return result
    wanted = {}
    for key, sub in shape.items():
        optional = key.endswith("?")
        wanted[key[:-1] if optional else key] = (sub, optional)
    for key, (sub, optional) in wanted.items():
        if key in value:
            compare(sub, value[key], f"{path}.{key}", result)
        elif not optional:
            result.fail(f"{path}.{key}", describe(sub), "missing")
    for key in value:
        if key not in wanted:
            result.fail(f"{path}.{key}", "absent", f"unexpected key ({type_name(value[key])})")
    return result


def _compare_special(shape, value, path, result):
    if "$const" in shape:
        if value != shape["$const"]:
            result.fail(path, json.dumps(shape["$const"]), json.dumps(value))
    elif "$integer" in shape:
        if not TYPES["integer"](value):
            result.fail(path, "integer", type_name(value))
        elif value < shape["$integer"].get("min", value):
            result.fail(path, f"integer >= {shape['$integer']['min']}", str(value))
    elif "$regex" in shape:
        if not isinstance(value, str):
            result.fail(path, f"string matching {shape['$regex']}", type_name(value))
        elif not re.fullmatch(shape["$regex"], value):
            result.fail(path, f"string matching {shape['$regex']}", json.dumps(value))
    elif "$enum" in shape:
        if value in shape["$enum"]:
            pass
        elif value in shape.get("$choice", []):
            result.choice(path, " | ".join(map(str, shape["$enum"])), str(value))
        else:
            allowed = shape["$enum"] + shape.get("$choice", [])
            result.fail(path, "one of " + " | ".join(map(str, allowed)), json.dumps(value))
    elif "$oneOf" in shape:
        tries = [compare(s, value, path) for s in shape["$oneOf"]]
        best = min(tries, key=lambda r: len(r.failures))
        if best.failures:
            result.fail(path, "one of " + " / ".join(describe(s) for s in shape["$oneOf"]),
                        type_name(value) if not isinstance(value, dict) else describe(value))
        else:
            result.extend(best)
    elif "$array" in shape:
        if not isinstance(value, list):
            result.fail(path, "array", type_name(value))
        else:
            if len(value) < shape.get("$min", 0):
                result.fail(path, f"at least {shape['$min']} items", f"{len(value)} items")
            if "$len" in shape and len(value) != shape["$len"]:
                result.fail(path, f"{shape['$len']} items", f"{len(value)} items")
            for i, item in enumerate(value):
                compare(shape["$array"], item, f"{path}[{i}]", result)
    elif "$tuple" in shape:
        if not isinstance(value, list):
            result.fail(path, "array", type_name(value))
        elif len(value) != len(shape["$tuple"]):
            result.fail(path, f"{len(shape['$tuple'])} items", f"{len(value)} items")
        else:
            for i, (sub, item) in enumerate(zip(shape["$tuple"], value)):
                compare(sub, item, f"{path}[{i}]", result)
    elif "$blocks" in shape:
        compare_blocks(shape["$blocks"], value, path, result)
    elif "$json" in shape:
        try:
            decoded = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            decoded = None
        if decoded is None:
            result.fail(path, "string holding JSON", type_name(value))
        else:
            compare(shape["$json"], decoded, path + "<json>", result)
    else:
        raise ValueError(f"unknown special shape at {path}: {shape!r}")
    return result


def block_kind(block):
    """The member name of a one-member union object ({"text": ...} -> "text")."""
    if isinstance(block, dict) and len(block) == 1:
        return next(iter(block))
    return None


def compare_blocks(spec, value, path, result):
    """Content blocks (Converse output.message.content, Anthropic content, ...).

    spec: {"recorded": [kind, ...],  the kinds in the recording, in order
           "kinds": {kind: shape},   the shape of each kind the model may produce (whole block)
           "kindOf": "member" | "type",  how a block names its kind: a one-member union
                                     (Converse) or a "type" field (Anthropic); default member
           "order": [kind, ...],     kinds that, when present, must come in this order (a family
                                     fact, e.g. DeepSeek-R1 text before reasoningContent)
           "precededBy": {kind: kind}}  a block of the first kind must have one of the second
                                     kind before it (Nova writes a text block before a toolUse)
    A different list of kinds than recorded is a model choice; a block of a kind the golden does
    not know, a block whose shape differs, or an order violation fails."""
    if not isinstance(value, list):
        result.fail(path, "array of content blocks", type_name(value))
        return
    kind_of = spec.get("kindOf", "member")
    kinds = []
    for i, block in enumerate(value):
        kind = block.get("type") if kind_of == "type" and isinstance(block, dict) else block_kind(block)
        kinds.append(kind)
        if kind not in spec["kinds"]:
            result.fail(f"{path}[{i}]", "a block of kind " + " | ".join(spec["kinds"]),
                        describe(block) if isinstance(block, dict) else type_name(block))
            continue
        compare(spec["kinds"][kind], block, f"{path}[{i}]", result)
    order = spec.get("order")
    ranks = [order.index(k) for k in kinds if k in order] if order else []
    preceded = [(kind, before) for kind, before in spec.get("precededBy", {}).items()
                if kind in kinds and before not in kinds[:kinds.index(kind)]]
    if ranks != sorted(ranks):
        result.fail(path, "block order " + " before ".join(order), ", ".join(map(str, kinds)))
    elif preceded:
        for kind, before in preceded:
            result.fail(path, f"a {before} block before the {kind} block", ", ".join(map(str, kinds)))
    elif kinds != spec["recorded"] and all(k in spec["kinds"] for k in kinds):
        result.choice(path, "blocks " + ",".join(spec["recorded"]), "blocks " + ",".join(map(str, kinds)))


def keys_sorted(raw_json):
    """Paths of objects whose keys are not in alphabetical order in a raw JSON text."""
    bad = []

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if keys != sorted(keys):
            bad.append(",".join(keys))
        return dict(pairs)

    json.loads(raw_json, object_pairs_hook=hook)
    return bad


def lookup(value, dotted):
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check_sums(checks, value, result, path=""):
    """[{"sum": "usage.totalTokens", "of": ["usage.inputTokens", ...]}]: absent addends count 0."""
    for check in checks or []:
        total = lookup(value, check["sum"])
        parts = [lookup(value, p) or 0 for p in check["of"]]
        if isinstance(total, int) and all(isinstance(p, int) for p in parts) and total != sum(parts):
            result.fail(f"{path}.{check['sum']}", " + ".join(check["of"]) + f" = {sum(parts)}", str(total))
