"""ONNX exports for bench/encoders/webgpu.mjs: the encoders of test/fixtures/gen/models_rng.py (the torch twins
of createModel, 'default' init, seed 1 -- the same weights createModel(arch, { preset, seed: 1 }) builds), eval
mode, input 'x' (B, C, ...) -> output 'z' = the L2-normalised head output (B, 128), opset 13.

  /usr/bin/python3 bench/encoders/export_onnx.py OUT_DIR arch:preset:B [arch:preset:B ...]

Writes OUT_DIR/<arch>_<preset>_<B>.onnx and prints one line per file.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "gen"))
from models_rng import PRESETS, Encoder, init_model  # noqa: E402

SEED = 1


class Emb(torch.nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, x):
        return self.enc(x)[3]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case in sys.argv[2:]:
        arch, preset, b = case.split(":")
        shape = (int(b), *PRESETS[arch][preset][1])
        m = init_model(Encoder(arch, preset), SEED, "default").eval()
        path = os.path.join(out, f"{arch}_{preset}_{b}.onnx")
        with torch.no_grad():
            torch.onnx.export(Emb(m), torch.zeros(shape), path, opset_version=13, input_names=["x"], output_names=["z"])
        print(f"{path}: input {list(shape)}, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
