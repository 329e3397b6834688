#!/usr/bin/env python3
"""Writes docs/models.md from emulator/data/models.json (the model catalog).

Usage: tools/gen_models_doc.py          rewrite docs/models.md
       tools/gen_models_doc.py --check  exit 1 if docs/models.md is out of date
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def render():
    with open(os.path.join(ROOT, "emulator/data/models.json"), encoding="utf-8") as f:
        catalog = json.load(f)
    lines = [
        "# Model catalog",
        "",
        "Generated from `emulator/data/models.json` by `tools/gen_models_doc.py`; edit the JSON,",
        "then run the tool. " + catalog["description"],
        "",
        "A model marked *profile only* answers only through a cross-region inference profile",
        "(`us.<id>`, `eu.<id>`, ...) or its ARN; its bare id gets Bedrock's on-demand refusal.",
        "ARNs of application inference profiles, provisioned models, custom models, custom model",
        "deployments and imported models stand for these catalog models:",
        "",
    ]
    for kind, model in catalog["resourceDefaults"].items():
        lines.append(f"- `{kind}/...` -> `{model}`")
    lines += [
        "",
        "A model marked *retired* is past its end of life on the AWS model lifecycle page: every",
        "operation that takes a model id answers it, in any form, with 404 ResourceNotFoundException",
        "\"This model version has reached the end of its life. Please refer to the AWS documentation",
        "for more details.\" Start the emulator with `--serve-retired-models` (or",
        "`BEDROCK_EMULATOR_SERVE_RETIRED_MODELS=1`) to serve them as live.",
        "",
        f"{len(catalog['models'])} models, {sum(1 for m in catalog['models'] if 'lifecycle' in m)} of them retired.",
        "",
        "| model id | provider | family | input / output | context / max output | supports "
        "| inference profiles | lifecycle | source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in catalog["models"]:
        profiles = ", ".join(m["profiles"]) or "—"
        if not m["onDemand"]:
            profiles = "profile only: " + profiles
        modalities = f"{', '.join(m['inputModalities'])} → {', '.join(m['outputModalities'])}"
        limits = f"{m['contextWindow']:,} / {m['maxOutputTokens']:,}" if m["maxOutputTokens"] else \
            f"{m['contextWindow']:,} / —"
        lifecycle = "active"
        if "lifecycle" in m:
            life = m["lifecycle"]
            lifecycle = "retired" + (f" {life['eolDate']}" if "eolDate" in life else "") + \
                f" ({life['source']})"
        family = m["family"]
        if m.get("toolUseIdForm") == "functions":
            family += " (tool ids `functions.<name>:<n>`)"
        lines.append(f"| `{m['id']}` | {m['provider']} | {family} | {modalities} | {limits} | "
                     f"{', '.join(m['features'])} | {profiles} | {lifecycle} | {m['source']} |")
    return "\n".join(lines) + "\n"


def main():
    path = os.path.join(ROOT, "docs/models.md")
    text = render()
    if "--check" in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit("docs/models.md is out of date: run tools/gen_models_doc.py")
        print("docs/models.md is up to date")
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
