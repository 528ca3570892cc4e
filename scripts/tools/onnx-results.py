#!/usr/bin/env python3
"""Prints the table of docs/onnx.md from the run directories of scripts/onnx-prune.groovy, so no figure is typed.

    python3 scripts/tools/onnx-results.py runs/fashion-resnet-flops45-* runs/fashion-mobilenet-flops50-*

For each run: the ONNX file it imported, its accuracy as imported (step 0), the FLOPs and parameters removed
physically, the accuracy after the last step against its control, and the onnxruntime latency of the dense and
the shrunk network, timed side by side at removal (one thread, batch 1 and 256), with the latency cut at batch
256 as a fraction of the FLOPs cut.
"""
import csv
import json
import pathlib
import re
import subprocess
import sys


def shrink_lines(run):
    for line in (run / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event.get("event") == "decided" and event.get("what") == "shrink":
            return event["lines"]
    raise SystemExit(f"{run}: no shrink decision in events.jsonl; is it a structured run of onnx-prune.groovy?")


def row(run):
    run = pathlib.Path(run)
    spec = json.loads((run / "spec.json").read_text())
    rows = list(csv.DictReader((run / "results.csv").open()))
    dense, last = rows[0], rows[-1]
    lines = shrink_lines(run)
    ort = {}
    for line in lines:
        m = re.match(r"onnxruntime latency at batch (\d+): ([0-9.]+) ms dense, ([0-9.]+) ms pruned", line)
        if m:
            ort[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
        m = re.match(r"onnxruntime latency cut at batch 256: (-?[0-9.]+)% for a FLOPs cut of ([0-9.]+)% \((-?[0-9.]+) of it\)", line)
        if m:
            cut, of = float(m.group(1)), float(m.group(3))
    flops_cut = 1 - float(last["flops"]) / float(dense["flops"])
    params_cut = 1 - float(last["params"]) / float(dense["params"])
    model = pathlib.Path(spec["model"]["load"]).name
    b1, b256 = ort[1], ort[256]
    return (f"| `{model}` | {100 * float(dense['accuracy']):.2f}% | −{100 * flops_cut:.1f}% | −{100 * params_cut:.1f}% "
            f"| {100 * float(last['accuracy']):.2f}% | {100 * float(last['control_accuracy']):.2f}% "
            f"| {100 * float(last['accuracy_vs_control']):+.2f} "
            f"| {b1[0]:.3f} → {b1[1]:.3f} ms | {b256[0]:.2f} → {b256[1]:.2f} ms (−{cut:.1f}%) | {of:.2f} |")


def main(runs):
    if not runs:
        raise SystemExit(__doc__)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("| model | imported | FLOPs | params | pruned | control | vs control (points) | onnxruntime b1 | onnxruntime b256 "
          "| latency cut / FLOPs cut |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        print(row(run))
    print()
    print(f"From {', '.join(pathlib.Path(r).name for r in runs)}; table printed by "
          f"`python3 scripts/tools/onnx-results.py` at commit {commit}.")


if __name__ == "__main__":
    main(sys.argv[1:])
