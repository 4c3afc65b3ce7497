"""numpy/scipy peer for bench/audio/run.mjs: the SSCL_AUDIO log-mel (reflect pad, periodic Hann, rfft via
scipy.fft (pocketfft), power, mel as a sparse CSR product, ln(x+1e-6)), one thread. Prints JSON."""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

try:
    import scipy.fft as sfft
    import scipy.sparse as sp
except ImportError:  # numpy only
    sfft, sp = None, None

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
fb = np.array(json.loads(sys.stdin.read()), dtype=np.float32)  # (nMels, bins) dense, from the SDK's filterbank
n_fft, hop, n = 1024, 376, 48000
win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
x = (np.sin(np.arange(n) * 0.01) + 0.1 * np.sin(np.arange(n) * 1.3)).astype(np.float32)
fbs = sp.csr_matrix(fb) if sp else fb
rfft = (lambda a: sfft.rfft(a, axis=-1, workers=1)) if sfft else (lambda a: np.fft.rfft(a, axis=-1))


def logmel(x):
    p = np.pad(x, (n_fft // 2, n_fft // 2), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(p, n_fft)[::hop]
    s = rfft(frames * win)
    pw = (s.real * s.real + s.imag * s.imag).astype(np.float32)
    mel = fbs @ pw.T
    return np.log(mel + 1e-6)


out = logmel(x)
assert out.shape == (128, 128), out.shape
count, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    logmel(x)
    count += 1
dt = time.perf_counter() - t0
print(json.dumps({"clipsPerSec": count / dt, "numpy": np.__version__, "scipy": __import__("scipy").__version__ if sfft else None, "sample": out[:, 5].tolist()}))
