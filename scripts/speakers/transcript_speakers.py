#!/usr/bin/env python3
"""How well the transcript's segments carry their speakers: the speaker error of the
segments of `mishu transcribe` (each segment, with its label, taken as a turn) against
the reference turns, on the real AMI clips of scripts/bench-speakers (pinned
pyannote.audio sdist; cached). Two transcripts of the same clip are scored:

  whole    `mishu transcribe --speakers off` segments, each given the speaker who talks
           most within it in `mishu diarize`'s turns (what every segment got before
           segments were split where the speaker changes);
  split    `mishu transcribe` (speakers auto): a segment two speakers share is split.

Scored as DER (0.25-s collar, overlap scored, speakers mapped one to one), over the
time the reference has speech; missed speech is the same for both (the same segments'
time), so the difference is in confusion.

usage: VENV/bin/python scripts/speakers/transcript_speakers.py [--mishu PATH] [--subset all|train|eval]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import der  # noqa: E402
from real_set import clips  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def run_json(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def majority(turns, start, end):
    talk = {}
    for s, e, k in turns:
        o = min(e, end) - max(s, start)
        if o > 0:
            talk[k] = talk.get(k, 0.0) + o
    return max(talk, key=talk.get) if talk else None


def main():
    ap = argparse.ArgumentParser()
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    ap.add_argument("--mishu", default=os.path.join(target, "release", "mishu"))
    ap.add_argument("--subset", default="all")
    ap.add_argument("--cache", default="/tmp/mishu-bench-speakers-real")
    args = ap.parse_args()
    cache = Path(args.cache)
    sets = clips(cache, cache / "clips", args.subset)
    totals = {"whole": {}, "split": {}}
    parts = 0
    for wav, ref, dur, _ in sets:
        d = run_json([args.mishu, "diarize", str(wav), "--format", "json"])
        turns = [(t["start"], t["end"], t["speaker"]) for t in d["turns"]]
        off = run_json([args.mishu, "transcribe", str(wav), "--speakers", "off", "--format", "json"])
        whole = []
        for s in off["segments"]:
            k = majority(turns, s["start"], s["end"])
            if k is not None:
                whole.append((s["start"], s["end"], k))
        auto = run_json([args.mishu, "transcribe", str(wav), "--format", "json"])
        split = [(s["start"], s["end"], str(s["speaker"])) for s in auto["segments"] if s.get("speaker")]
        parts += len(auto["segments"]) - len(off["segments"])
        for name, hyp in (("whole", whole), ("split", split)):
            r = der(ref, hyp, dur)
            for k, v in r.items():
                totals[name][k] = totals[name].get(k, 0.0) + v
        print(f"{wav.name}: {len(off['segments'])} segments → {len(auto['segments'])}", file=sys.stderr)
    for name, t in totals.items():
        total = t["total"]
        print(f"{name:6s} speaker error {100 * (t['miss'] + t['fa'] + t['confusion']) / total:5.1f}%"
              f"  (missed {100 * t['miss'] / total:.1f}%, false alarm {100 * t['fa'] / total:.1f}%,"
              f" confusion {100 * t['confusion'] / total:.1f}%)")
    print(f"segments split: {parts} more parts over {len(sets)} clips")


if __name__ == "__main__":
    main()
