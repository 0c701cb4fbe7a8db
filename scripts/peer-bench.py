"""The PyTorch side of `npm run bench -- --peer`: torchvision's MobileNetV2 (random weights, seed 0 —
the model scripts/make-onnx-fixtures.py --mobilenet exports) on the CPU, answering one request at a
time so that the benchmark can interleave it with Model Lens (A B A B …) in the same processes.

Reads JSON lines on stdin, writes one JSON line per request on stdout:
  {"op": "hello"}                                   → {"torch", "logits" (first 10), "cores"}
  {"op": "predict"|"gradcam"|"ig"|"occlusion", "threads": T}      → {"ms"} one run on the fixed input
  {"op": "folder", "threads": T, "files": [...]}   → {"ms"} Grad-CAM of every PNG (read with PIL, /255)
  {"op": "image", "what": "predict"|"gradcam"|"ig"|"occlusion", "threads": T, "file": F} → {"ms"} on that image
What Model Lens times the same way: predict; Grad-CAM at the last feature block; Integrated Gradients
(50 steps, zero baseline, batches of 10); occlusion (window 32, stride 16: 169 windows, batches of 32).
Needs python3-torch and python3-torchvision (Debian: apt-get install python3-torch python3-torchvision).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image


def main():
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    n = 3 * 224 * 224
    fixed = (torch.arange(n, dtype=torch.float64) * 7919 % 1000 / 1000).float().reshape(1, 3, 224, 224)
    target = 7

    def load(path):
        a = np.asarray(Image.open(path).convert("RGB").resize((224, 224)), dtype=np.float32) / 255
        return torch.from_numpy(a).permute(2, 0, 1).unsqueeze(0).contiguous()

    def predict(x):
        with torch.no_grad():
            return model(x)

    def gradcam(x):
        acts = {}
        h = model.features[18].register_forward_hook(lambda m, i, o: acts.setdefault("a", o))
        out = model(x)
        h.remove()
        a = acts["a"]
        (g,) = torch.autograd.grad(out[0, target], a)
        return torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1))

    def ig(x, steps=50, batch=10):
        total = torch.zeros_like(x)
        for s in range(0, steps, batch):
            alphas = torch.arange(s + 1, min(steps, s + batch) + 1, dtype=torch.float32).view(-1, 1, 1, 1) / steps
            xs = (alphas * x).requires_grad_(True)
            out = model(xs)
            (g,) = torch.autograd.grad(out[:, target].sum(), xs)
            total += g.sum(0, keepdim=True)
        return x * total / steps

    def occlusion(x, window=32, stride=16, batch=32):
        positions = [(r, c) for r in range(0, 224 - window + 1, stride) for c in range(0, 224 - window + 1, stride)]
        scores = []
        with torch.no_grad():
            for s in range(0, len(positions), batch):
                chunk = positions[s : s + batch]
                xs = x.repeat(len(chunk), 1, 1, 1)
                for k, (r, c) in enumerate(chunk):
                    xs[k, :, r : r + window, c : c + window] = 0
                scores.append(model(xs)[:, target])
        return torch.cat(scores)

    ops = {"predict": predict, "gradcam": gradcam, "ig": ig, "occlusion": occlusion}
    warmed = set()
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "hello":
            with torch.no_grad():
                logits = model(fixed)[0]
            reply = {"torch": torch.__version__, "logits": logits[:10].tolist(), "cores": os.cpu_count()}
        else:
            torch.set_num_threads(int(req.get("threads", 1)))
            if op == "folder":
                run = lambda: [gradcam(load(f)) for f in req["files"]]  # noqa: E731
            elif op == "image":
                x = load(req["file"])
                run = lambda: ops[req["what"]](x)  # noqa: E731
            else:
                run = lambda: ops[op](fixed)  # noqa: E731
            key = (op, req.get("what"), req.get("threads"))
            if key not in warmed and op != "folder":
                run()  # the first call of each kind allocates and picks kernels: not timed
                warmed.add(key)
            t = time.perf_counter()
            run()
            reply = {"ms": (time.perf_counter() - t) * 1000}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
