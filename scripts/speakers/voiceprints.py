#!/usr/bin/env python3
"""Voiceprint benchmark: enrol espeak-ng voices from enrolment recordings of their own
(sentences never said in the conversations), then diarize conversations of enrolled
voices and voices that are NOT enrolled, and score the naming of each speaker cluster:
named correctly, named wrongly (a wrong name is worse than none), left unnamed. The
naming threshold and margin are swept over the same clusters (from the closest voices
`mishu diarize` reports) to calibrate them. Also checks the enrolment's two-voices
refusal on recordings of one voice and of two voices.

    scripts/bench-voiceprints            (see that script for the environment it needs)
"""
import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
from bench import LINES, RATE, VOICES, speak  # noqa: E402

# Said only at enrolment: what a person reads when their voice is enrolled.
ENROL_LINES = {
    "en": ["My name is on the staff list and I work on the fourth floor.",
           "Every morning I check the mailbox before the team meeting starts.",
           "The printer near the pantry has been out of paper since Tuesday.",
           "We moved the archive boxes to the storage room downstairs.",
           "Our office opens at nine and closes at six on weekdays.",
           "I usually take the train and walk from the station.",
           "Lunch on Fridays is at the noodle shop across the road.",
           "The quarterly report was printed and filed last month."],
    "zh": ["我在四楼工作，名字在员工名单上。", "每天早上开会之前我会先看邮件。",
           "茶水间旁边的打印机从星期二开始就没有纸了。", "我们把档案箱搬到了楼下的储物室。",
           "办公室周一到周五早上九点开门，六点关门。", "我通常坐地铁上班，再从车站走过来。",
           "星期五的午饭一般在对面的面馆吃。", "季度报告上个月已经打印好并且归档了。"],
    "yue": ["我喺四樓做嘢，名喺員工名單度。", "我每朝開會之前都會睇下啲電郵。",
            "茶水間隔籬部打印機由禮拜二開始冇晒紙。", "我哋將啲檔案箱搬咗去樓下嘅儲物室。",
            "公司禮拜一至五朝早九點開門，六點收工。", "我通常搭港鐵返工，再由車站行過嚟。",
            "禮拜五通常去對面嘅麵舖食晏。", "季度報告上個月已經印好同埋歸咗檔。"],
}


def variant(name):
    return name.split("+")[1]


ENROLLED_VARIANTS = {"m3", "f2", "m7", "m1", "f3", "m4", "m2", "f1"}


def lang_of(voice):
    return next(l for l, vs in VOICES.items() if voice in vs)


def say(voice, lines, gap=0.4):
    pieces = []
    for text in lines:
        pieces.append(speak(*voice, text))
        pieces.append(np.zeros(int(gap * RATE), np.float32))
    audio = np.concatenate(pieces) * 0.8
    noise = np.random.default_rng(len(audio)).normal(0, 0.002, len(audio))
    return (audio + noise).astype(np.float32)


def conversation(rng, voices, turns):
    order = list(range(len(voices)))
    rng.shuffle(order)
    while len(order) < turns:
        order.append(rng.choice([s for s in range(len(voices)) if s != order[-1]]))
    pieces, ref, t = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for s in order:
        audio = speak(*voices[s], rng.choice(LINES[lang_of(voices[s])]))
        ref.append((t, t + len(audio) / RATE, s))
        pieces.append(audio)
        gap = rng.uniform(0.3, 1.0)
        pieces.append(np.zeros(int(gap * RATE), np.float32))
        t += len(audio) / RATE + gap
    audio = np.concatenate(pieces) * 0.8
    noise = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 0.002, len(audio))
    return (audio + noise).astype(np.float32), ref


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def name_greedy(clusters, threshold, margin):
    """The naming rule of `name_speakers`, on each cluster's closest voices."""
    proposals = []
    for i, c in enumerate(clusters):
        m = c["matches"]
        if not m:
            continue
        second = m[1]["similarity"] if len(m) > 1 else -1.0
        if m[0]["similarity"] >= threshold and m[0]["similarity"] - second >= margin:
            proposals.append((m[0]["similarity"], i, m[0]["id"]))
    named, taken = [None] * len(clusters), set()
    for _, i, pid in sorted(proposals, reverse=True):
        if pid not in taken:
            taken.add(pid)
            named[i] = pid
    return named


def score(convs, named_of):
    correct = wrong = unnamed_enrolled = unnamed_other = 0
    for conv in convs:
        named = named_of(conv)
        for c, name in zip(conv["clusters"], named):
            truth = c["truth"]
            if name is None:
                if truth is not None:
                    unnamed_enrolled += 1
                else:
                    unnamed_other += 1
            elif name == truth:
                correct += 1
            else:
                wrong += 1
    n = correct + wrong + unnamed_enrolled + unnamed_other
    enrolled = sum(c["truth"] is not None for conv in convs for c in conv["clusters"])
    return {"clusters": n, "enrolled_clusters": enrolled, "correct": correct,
            "wrong": wrong, "unnamed_enrolled": unnamed_enrolled,
            "unnamed_not_enrolled": unnamed_other,
            "correct_frac": correct / max(n, 1), "wrong_frac": wrong / max(n, 1),
            "recall_enrolled": correct / max(enrolled, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mishu", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--conversations", type=int, default=24)
    ap.add_argument("--rescore", default=None,
                    help="a report.json of an earlier run: print its tables again")
    args = ap.parse_args()
    if args.rescore:
        summarize(json.loads(Path(args.rescore).read_text()))
        return
    rng = random.Random(args.seed)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-voiceprints-"))
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"

    # 8 enrolled voices (3 English, 3 Mandarin, 2 Cantonese). Strangers are the voices
    # whose espeak-ng variant (+m3, +f2, …: the timbre) no enrolled voice has: the same
    # variant in another language is the same synthetic speaker.
    enrolled = VOICES["en"][:3] + VOICES["zh"][:3] + VOICES["yue"][:2]
    strangers = [v for l in ("en", "zh", "yue") for v in VOICES[l]
                 if variant(v[0]) not in {variant(e[0]) for e in enrolled}]
    people = [{"id": f"p{101 + i}", "name": f"{v[0]} p{v[1]} s{v[2]}"}
              for i, v in enumerate(enrolled)]
    (out / "directory.json").write_text(json.dumps({"people": people}))
    id_of = {v: p["id"] for v, p in zip(enrolled, people)}

    splits = {"one_voice": [], "two_voices": []}
    for v, p in zip(enrolled, people):
        lines = ENROL_LINES[lang_of(v)]
        files = []
        for k, half in enumerate((lines[:4], lines[4:])):
            f = out / f"enrol-{p['id']}-{k + 1}.wav"
            sf.write(f, say(v, half), RATE, subtype="PCM_16")
            files.append(str(f))
        rc, so, se = run([args.mishu, "voices", "enroll", p["id"], *files, "--directory",
                          str(out / "directory.json"), "--data", str(data),
                          "--consent-by", "bench", "--json"])
        if rc != 0:
            sys.exit(f"enrolling {p['id']} failed: {se}")
        doc = json.loads(so)
        splits["one_voice"].append({"voice": v[0], "refused": False, **doc["split"],
                                    "speech_s": doc["speech_s"]})
        print(f"enrolled {p['id']} ({v[0]}): {doc['speech_s']} s, split {doc['split']}",
              file=sys.stderr)

    # The two-voices check: strangers alone (must be accepted) and pairs (must be refused).
    check = out / "check-data"
    singles = [(v,) for v in strangers]
    pairs = [tuple(rng.sample(enrolled + strangers, 2)) for _ in range(12)]
    for group in singles + pairs:
        lines = ENROL_LINES[lang_of(group[0])]
        if len(group) == 1:
            audio = say(group[0], lines[:5])
        else:
            audio = np.concatenate([say(group[0], lines[:3]),
                                    say(group[1], ENROL_LINES[lang_of(group[1])][3:6])])
        f = out / f"check-{len(splits['one_voice']) + len(splits['two_voices'])}.wav"
        sf.write(f, audio, RATE, subtype="PCM_16")
        rc, so, se = run([args.mishu, "voices", "enroll", people[0]["id"], str(f),
                          "--directory", str(out / "directory.json"), "--data", str(check),
                          "--json"])
        if rc == 0:
            row = {"refused": False, **json.loads(so)["split"]}
        else:
            m = re.search(r"\((\d+)% of it is a second voice, similarity ([-\d.]+)\)", se)
            if not m:
                row = {"refused": True, "error": se.strip()}
            else:
                row = {"refused": True, "share": int(m.group(1)) / 100,
                       "similarity": float(m.group(2))}
        row["voice"] = " + ".join(v[0] for v in group)
        splits["one_voice" if len(group) == 1 else "two_voices"].append(row)

    convs = []
    for k in range(args.conversations):
        n_enrolled = rng.choice([2, 3, 3, 4])
        n_strangers = rng.choice([1, 2])
        voices = rng.sample(enrolled, n_enrolled) + rng.sample(strangers, n_strangers)
        rng.shuffle(voices)
        audio, ref = conversation(rng, voices, turns=3 * len(voices) + 2)
        wav = out / f"conv-{k:02d}.wav"
        sf.write(wav, audio, RATE, subtype="PCM_16")
        rc, so, se = run([args.mishu, "diarize", str(wav), "--json", "--data", str(data)])
        if rc != 0:
            sys.exit(f"diarize {wav} failed: {se}")
        doc = json.loads(so)
        voice_info = {v["speaker"]: v for v in doc.get("voices", [])}
        clusters = []
        for label in sorted({t["speaker"] for t in doc["turns"]}, key=lambda s: int(s[1:])):
            overlap = {}
            for t in (t for t in doc["turns"] if t["speaker"] == label):
                for s, e, who in ref:
                    o = min(e, t["end"]) - max(s, t["start"])
                    if o > 0:
                        overlap[who] = overlap.get(who, 0) + o
            truth_voice = voices[max(overlap, key=overlap.get)] if overlap else None
            info = voice_info.get(label, {})
            person = info.get("person")
            clusters.append({"label": label,
                             "truth": id_of.get(truth_voice),
                             "truth_voice": truth_voice and truth_voice[0],
                             "named": person and person["id"],
                             "matches": info.get("matches", [])})
        convs.append({"file": wav.name, "voices": [v[0] for v in voices],
                      "enrolled": [id_of[v] for v in voices if v in id_of],
                      "clusters": clusters})
        print(f"{wav.name}: {len(voices)} voices ({n_enrolled} enrolled), "
              f"{len(clusters)} clusters, named {[c['named'] for c in clusters]}, "
              f"truth {[c['truth'] for c in clusters]}", file=sys.stderr)

    report = {"enrolment_splits": splits, "conversations": convs}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    summarize(report)
    print(f"report: {out / 'report.json'}", file=sys.stderr)


def same_variant_stranger(cluster):
    """A cluster of a not-enrolled voice with an enrolled voice's variant (runs before
    strangers were chosen by variant had them)."""
    v = cluster["truth_voice"]
    return cluster["truth"] is None and v is not None and variant(v) in ENROLLED_VARIANTS


def summarize(report):
    convs = report["conversations"]
    splits = report["enrolment_splits"]
    distinct = [{**c, "clusters": [k for k in c["clusters"] if not same_variant_stranger(k)]}
                for c in convs]

    def line(name, s):
        print(f"{name:24s} clusters {s['clusters']:3d}  correct {100 * s['correct_frac']:5.1f}%"
              f"  wrong {100 * s['wrong_frac']:4.1f}%  unnamed enrolled "
              f"{s['unnamed_enrolled']:2d}  recall of enrolled {100 * s['recall_enrolled']:5.1f}%")

    for name, group in (("all clusters", convs), ("distinct voices", distinct)):
        print(f"== {name}")
        line("mishu (as run)", score(group, lambda conv: [c["named"] for c in conv["clusters"]]))
        for threshold in np.arange(0.60, 0.96, 0.05):
            for margin in (0.0, 0.05, 0.1):
                s = score(group, lambda conv: name_greedy(conv["clusters"], threshold, margin))
                line(f"threshold {threshold:.2f} margin {margin:.2f}", s)
    for kind, rows in splits.items():
        refused = sum(r["refused"] for r in rows)
        print(f"enrolment of {kind}: {refused}/{len(rows)} refused; "
              f"split share/similarity: "
              + ", ".join(f"{r.get('share', '?')}/{r.get('similarity', '?')}" for r in rows))


if __name__ == "__main__":
    main()
