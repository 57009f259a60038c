"""Real meeting speech with reference speaker turns: the one-minute excerpts of the AMI
meeting corpus (CC BY 4.0) that pyannote.audio ships as its test data, plus its 30-s
sample, taken from the pinned pyannote.audio 4.0.0 source package on PyPI. Each clip is
cut to the part its reference covers (the first 30 s: the `.uem` files) and keeps its
RTTM turns, overlapping speech included.

Split as the package splits them: `train` (10 clips) for calibrating, `eval` (dev, tst
and the sample: 5 clips) for reporting.
"""
import hashlib
import io
import tarfile
import unicodedata
import urllib.request
from pathlib import Path

import numpy as np
import soundfile as sf

SDIST = ("https://files.pythonhosted.org/packages/d5/57/"
         "7b64f1a209efb38df348ffc85c6299128701da30a94176d7063fbba7c2cd/"
         "pyannote_audio-4.0.0.tar.gz")
SDIST_SHA256 = "dcf85de540f67eb5846a956e142808c37e3ce3e7a59e723098198c6cbd49c843"
ROOT = "pyannote_audio-4.0.0/"


def fetch_pinned(url: str, sha256: str, cache: Path) -> bytes:
    """The file at `url` (a registry package), downloaded once into `cache` and checked
    against its pinned sha256."""
    path = cache / url.rsplit("/", 1)[-1]
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        data = urllib.request.urlopen(url, timeout=300).read()
        path.write_bytes(data)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        path.unlink()
        raise SystemExit(f"{path.name} has sha256 {digest}, expected {sha256}")
    return data


def _plain(name: str) -> str:
    # "trñ00" is trn00 with a non-ASCII name (pyannote tests unicode paths with it).
    return "".join(c for c in unicodedata.normalize("NFKD", name) if ord(c) < 128)


def _rttm(text: str):
    turns = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            turns.setdefault(_plain(f[1]), []).append((start, start + dur, f[7]))
    return turns


def _uem(text: str):
    out = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 4:
            out[_plain(f[0])] = (float(f[2]), float(f[3]))
    return out


def clips(cache: Path, out: Path, subset: str = "all"):
    """[(wav, reference turns, seconds, speakers)] written to `out`; `subset` is
    train, eval or all."""
    tar = tarfile.open(fileobj=io.BytesIO(fetch_pinned(SDIST, SDIST_SHA256, cache)), mode="r:gz")
    members = {m.name[len(ROOT):]: m for m in tar.getmembers() if m.name.startswith(ROOT)}

    def read(name):
        return tar.extractfile(members[name]).read()

    refs, spans, split = {}, {}, {}
    for part in ("train", "development", "test"):
        refs.update(_rttm(read(f"tests/data/debug.{part}.rttm").decode()))
        spans.update(_uem(read(f"tests/data/debug.{part}.uem").decode()))
        for uri in read(f"tests/data/debug.{part}.lst").decode().split():
            split[_plain(uri)] = "train" if part == "train" else "eval"
    audio = {_plain(Path(n).stem): n for n in members if n.startswith("tests/data/")
             and n.endswith(".wav")}
    refs.update(_rttm(read("src/pyannote/audio/sample/sample.rttm").decode()))
    audio["sample"] = "src/pyannote/audio/sample/sample.wav"
    split["sample"] = "eval"

    out.mkdir(parents=True, exist_ok=True)
    sets = []
    for uri in sorted(split):
        if subset != "all" and split[uri] != subset:
            continue
        samples, rate = sf.read(io.BytesIO(read(audio[uri])), dtype="float32")
        start, end = spans.get(uri, (0.0, len(samples) / rate))
        assert start == 0.0, "the clips' references start at 0"
        samples = samples[: int(end * rate)]
        wav = out / f"ami-{uri}.wav"
        sf.write(wav, samples, rate, subtype="PCM_16")
        ref = [(s, min(e, end), k) for s, e, k in refs[uri] if s < end]
        sets.append((wav, ref, len(samples) / rate, len({k for _, _, k in ref})))
    return sets


if __name__ == "__main__":
    import sys
    for wav, ref, dur, n in clips(Path(sys.argv[1]), Path(sys.argv[2])):
        overlap = 0.0
        grid = np.zeros(int(dur * 100) + 1)
        for s, e, _ in ref:
            grid[int(s * 100):int(e * 100)] += 1
        print(f"{wav.name}: {dur:.1f} s, {n} speakers, speech {np.mean(grid > 0):.0%}, "
              f"overlap {np.mean(grid > 1):.0%}")
