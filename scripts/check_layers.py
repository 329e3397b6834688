#!/usr/bin/env python3
"""Checks that every #include under emulator/src points down the layer order.

The order is read from the ```layers block of docs/architecture.md, one tier per line from the
top; rooms on one line are peers and may not include each other. A file may include its own
room and any room on a lower line. Prints each include that breaks the order and exits 1 if
there is one.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "emulator" / "src"
DOC = ROOT / "docs" / "architecture.md"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/[^"]+"', re.M)


def read_tiers(text):
    block = re.search(r"^```layers\n(.*?)^```", text, re.S | re.M)
    if not block:
        sys.exit(f"{DOC}: no ```layers block")
    tiers = {}
    for depth, line in enumerate(l for l in block.group(1).splitlines() if l.strip()):
        for room in line.split():
            tiers[room.rstrip("/")] = depth
    return tiers


def room_of(path):
    relative = path.relative_to(SOURCES)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def main():
    tiers = read_tiers(DOC.read_text())
    problems = []
    for path in sorted(SOURCES.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        room = room_of(path)
        if room not in tiers:
            problems.append(f"{path.relative_to(ROOT)}: room '{room}' is not in the layer order")
            continue
        text = path.read_text()
        for match in INCLUDE.finditer(text):
            target = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if target not in tiers:
                problems.append(f"{where}: includes '{target}/', which is not in the layer order")
            elif target != room and tiers[target] <= tiers[room]:
                kind = "a peer" if tiers[target] == tiers[room] else "a room above"
                problems.append(f"{where}: {room}/ includes {target}/ ({kind})")
    for problem in problems:
        print(problem)
    print(f"layers: {len(problems)} include(s) against the order in docs/architecture.md")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
