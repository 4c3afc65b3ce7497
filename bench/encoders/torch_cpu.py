"""PyTorch CPU side of bench/encoders/run.mjs: the same encoders (test/fixtures/gen/models_rng.py Encoder,
float32), same cases, same timing rule (one warm-up, then iters). Prints one JSON line."""
import json, os, sys, time
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "gen"))
from models_rng import Encoder, init_model  # noqa: E402

torch.set_num_threads(os.cpu_count())
INPUT = {("s3d", "paper"): (3, 16, 112, 112), ("s3d", "small"): (3, 16, 64, 64), ("s3d", "tiny"): (3, 8, 32, 32),
         ("audio-resnet10", "paper"): (1, 128, 128), ("audio-resnet10", "small"): (1, 128, 128), ("audio-resnet10", "tiny"): (1, 64, 64)}
res = []
onnx_dir = sys.argv[2] if len(sys.argv) > 2 else None
for arch, preset, B, mode, iters in json.loads(sys.argv[1]):
    m = init_model(Encoder(arch, preset), 1, "default")
    x = torch.sin(torch.arange(B * int(torch.tensor(INPUT[(arch, preset)]).prod())).float()).reshape(B, *INPUT[(arch, preset)])

    def once():
        if mode == "forward":
            m.eval()
            with torch.no_grad():
                return m(x)[3]
        m.train()
        m.zero_grad()
        z = m(x)[3]
        z.sum().backward()
        return z
    if onnx_dir and mode == "forward":  # the same network for onnxruntime-web (eval mode, embedding output)
        class Emb(torch.nn.Module):
            def __init__(self, enc):
                super().__init__()
                self.enc = enc
            def forward(self, inp):
                return self.enc(inp)[3]
        m.eval()
        torch.onnx.export(Emb(m), x, os.path.join(onnx_dir, f"{arch}_{preset}_{B}.onnx"), opset_version=13, input_names=["x"], output_names=["z"])
    once()
    t0 = time.time()
    for _ in range(iters):
        once()
    s = time.time() - t0
    res.append({"arch": arch, "preset": preset, "B": B, "mode": mode, "iters": iters, "seconds": s, "clipsPerSec": B * iters / s, "threads": torch.get_num_threads()})
print(json.dumps(res))
