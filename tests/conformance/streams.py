"""Compares event streams against golden stream specs.

Two kinds of spec:
- "converse": a ConverseStream answer. messageStart, then content blocks (each an optional
  contentBlockStart, one or more contentBlockDelta, one contentBlockStop, all with the same
  contentBlockIndex, indices 0, 1, 2, ...), then messageStop, then metadata. The golden gives the
  payload shape of each event per block kind; which kinds the model produced is a model choice.
- "chunks": an InvokeModelWithResponseStream answer. Every frame is a chunk {"bytes", "p"}; the
  decoded inner JSON documents must match a sequence of shapes with repeats, like a regular
  expression: items {"shape": S, "repeat": "1" | "?" | "+" | "*"} or {"group": [items], ...}.
Events are dicts {"headers": {name: value}, "payload": parsed JSON (or None), "raw": bytes}.
"""
import base64
import json

from shapes import Result, compare, compare_blocks, describe, keys_sorted, type_name


def compare_stream(spec, events, result=None):
    result = result if result is not None else Result()
    for i, event in enumerate(events):
        if "frameHeaders" in spec:
            compare(spec["frameHeaders"], event["headers"], f"event[{i}].headers", result)
        if event["payload"] is None:
            result.fail(f"event[{i}]", "a JSON payload", repr(event["raw"][:80]))
        elif spec.get("sortedKeys"):
            for keys in keys_sorted(event["raw"].decode()):
                result.fail(f"event[{i}]", "keys in alphabetical order", keys)
    if any(e["payload"] is None for e in events):
        return result
    if spec["kind"] == "converse":
        _compare_converse(spec, events, result)
    elif spec["kind"] == "chunks":
        _compare_chunks(spec, events, result)
    else:
        raise ValueError(f"unknown stream kind {spec['kind']!r}")
    return result


def event_type(event):
    return event["headers"].get(":event-type")


def _summary(names):
    out = []
    for name in names:  # runs of the same event collapse: contentBlockDelta x12
        if out and out[-1][0] == name:
            out[-1][1] += 1
        else:
            out.append([name, 1])
    return " ".join(n if c == 1 else f"{n}x{c}" for n, c in out)


def _compare_converse(spec, events, result):
    names = [event_type(e) for e in events]
    if len(names) < 3 or names[0] != "messageStart" or names[-2:] != ["messageStop", "metadata"]:
        result.fail("events", "messageStart, blocks..., messageStop, metadata", _summary(names))
        return
    compare(spec["messageStart"], events[0]["payload"], "messageStart", result)
    compare(spec["messageStop"], events[-2]["payload"], "messageStop", result)
    compare(spec["metadata"], events[-1]["payload"], "metadata", result)

    blocks = []  # [(index, [events])] in order of appearance
    for i, event in enumerate(events[1:-2], start=1):
        name = event_type(event)
        if name not in ("contentBlockStart", "contentBlockDelta", "contentBlockStop"):
            result.fail(f"event[{i}]", "contentBlockStart | contentBlockDelta | contentBlockStop", name)
            return
        index = event["payload"].get("contentBlockIndex")
        if not blocks or blocks[-1][0] != index:
            if blocks and blocks[-1][1][-1][0] != "contentBlockStop":
                result.fail(f"event[{i}]", f"contentBlockStop of block {blocks[-1][0]} first",
                            f"{name} of block {index}")
                return
            blocks.append((index, []))
        blocks[-1][1].append((name, event["payload"]))

    spec_blocks = spec["blocks"]
    kinds = []
    for position, (index, block_events) in enumerate(blocks):
        path = f"block[{position}]"
        if index != position:
            result.fail(f"{path}.contentBlockIndex", str(position), str(index))
        seq = [n for n, _ in block_events]
        start = block_events[0][1] if seq[0] == "contentBlockStart" else None
        deltas = [p for n, p in block_events if n == "contentBlockDelta"]
        body = seq[1:] if start is not None else seq
        if not deltas or body != ["contentBlockDelta"] * len(deltas) + ["contentBlockStop"]:
            result.fail(path, "[contentBlockStart] contentBlockDelta+ contentBlockStop", _summary(seq))
            continue
        kind = None
        if start is not None and isinstance(start.get("start"), dict) and len(start["start"]) == 1:
            kind = next(iter(start["start"]))
        elif isinstance(deltas[0].get("delta"), dict) and len(deltas[0]["delta"]) == 1:
            kind = next(iter(deltas[0]["delta"]))
        kinds.append(kind)
        if kind not in spec_blocks["kinds"]:
            result.fail(path, "a block of kind " + " | ".join(spec_blocks["kinds"]), str(kind))
            continue
        kind_spec = spec_blocks["kinds"][kind]
        if kind_spec.get("start") is None and start is not None:
            result.fail(f"{path}.contentBlockStart", "absent (no start event for this kind)",
                        describe(start))
        elif kind_spec.get("start") is not None and start is None:
            result.fail(f"{path}.contentBlockStart", describe(kind_spec["start"]), "missing")
        elif start is not None:
            compare(kind_spec["start"], start, f"{path}.contentBlockStart", result)
        for d, delta in enumerate(deltas):
            compare(kind_spec["delta"], delta, f"{path}.contentBlockDelta[{d}]", result)
        compare(kind_spec["stop"], block_events[-1][1], f"{path}.contentBlockStop", result)

    order = spec_blocks.get("order")
    ranks = [order.index(k) for k in kinds if k in order] if order else []
    if ranks != sorted(ranks):
        result.fail("blocks", "block order " + " before ".join(order), ", ".join(map(str, kinds)))
    elif kinds != spec_blocks["recorded"] and all(k in spec_blocks["kinds"] for k in kinds):
        result.choice("blocks", "blocks " + ",".join(spec_blocks["recorded"]),
                      "blocks " + ",".join(map(str, kinds)))


def decode_chunk(payload):
    """The inner JSON document of a chunk frame {"bytes": base64}, or None."""
    try:
        return json.loads(base64.b64decode(payload["bytes"]))
    except (KeyError, TypeError, ValueError):
        return None


def _compare_chunks(spec, events, result):
    names = [event_type(e) for e in events]
    if any(n != "chunk" for n in names):
        result.fail("events", "chunk frames only", _summary(names))
        return
    docs = []
    for i, event in enumerate(events):
        compare(spec["frame"], event["payload"], f"chunk[{i}]", result)
        doc = decode_chunk(event["payload"])
        if doc is None:
            result.fail(f"chunk[{i}].bytes", "base64 of a JSON document", type_name(event["payload"].get("bytes")))
            return
        docs.append(doc)
    _SequenceMatcher(spec["sequence"], docs, result).run()


class _SequenceMatcher:
    """Matches documents against a sequence of repeated shapes and groups (backtracking, memoised).
    On failure it reports the furthest document no alternative could take, with the closest diff."""

    def __init__(self, sequence, docs, result):
        self.sequence, self.docs, self.result = sequence, docs, result
        self.memo = {}
        self.furthest = (-1, [], None)  # (document index, expected descriptions, closest Result)
        self.model_choices = {}

    def run(self):
        if len(self.docs) in self._ends(tuple(map(id, self.sequence)), self.sequence, 0):
            for choice in self.model_choices.values():
                self.result.choices.append(choice)
            return
        j, expected, closest = self.furthest
        if j >= len(self.docs):
            self.result.fail("chunks", "more chunks: " + " | ".join(expected), "end of stream")
        elif j < 0:
            self.result.fail("chunks", "a chunk sequence", "no chunks")
        else:
            got = self.docs[j]
            self.result.fail(f"chunk[{j}]", "one of: " + " | ".join(expected), describe(got))
            if closest is not None:
                for path, exp, g in closest.failures[:6]:
                    self.result.fail(f"chunk[{j}]{path}", exp, g)

    def _note(self, j, shape, res):
        if j > self.furthest[0]:
            self.furthest = (j, [], None)
        if j == self.furthest[0]:
            self.furthest[1].append(describe(shape))
            if res is not None and (self.furthest[2] is None or len(res.failures) < len(self.furthest[2].failures)):
                self.furthest = (j, self.furthest[1], res)

    def _one(self, item, j):
        if "group" in item:
            return self._ends(tuple(map(id, item["group"])), item["group"], j)
        if j >= len(self.docs):
            self._note(j, item["shape"], None)
            return set()
        key = (id(item), j)
        if key not in self.memo:
            res = compare(item["shape"], self.docs[j], "")
            self.memo[key] = res
            if res.failures:
                self._note(j, item["shape"], res)
            else:
                for c in res.choices:
                    self.model_choices.setdefault(c[0] + c[2], (f"chunk[{j}]{c[0]}",) + c[1:])
        return {j + 1} if not self.memo[key].failures else set()

    def _item(self, item, j):
        repeat = item.get("repeat", "1")
        ends = set() if repeat in ("1", "+") else {j}
        frontier = self._one(item, j)
        ends |= frontier
        if repeat in ("+", "*"):
            seen = set(frontier)
            while frontier:
                nxt = set()
                for k in frontier:
                    nxt |= {e for e in self._one(item, k) if e not in seen and e > k}
                seen |= nxt
                frontier = nxt
            ends |= seen
        return ends

    def _ends(self, key, items, j):
        memo_key = (key, j)
        if memo_key in self.memo:
            return self.memo[memo_key]
        self.memo[memo_key] = set()  # guards against empty-repeat cycles
        positions = {j}
        for item in items:
            positions = set().union(*[self._item(item, p) for p in positions]) if positions else set()
        self.memo[memo_key] = positions
        return positions


__all__ = ["compare_stream", "decode_chunk", "compare_blocks"]
