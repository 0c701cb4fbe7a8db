"""The PyTorch side of `npm run bench`'s peer comparison: torchvision's MobileNetV2 (random weights,
seed 0 — the model scripts/make-onnx-fixtures.py --mobilenet exports) on the CPU, timing what Model
Lens times on the same input: predict, Grad-CAM at the last feature block, Integrated Gradients
(50 steps, zero baseline, batches of 10) and occlusion (window 32, stride 16: 169 windows, batches of
32). Prints one JSON object. Needs python3-torch and python3-torchvision."""
import json
import statistics
import sys
import time

import torch
import torchvision


def median_ms(runs, fn):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    quick = "--quick" in sys.argv
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    n = 3 * 224 * 224
    x = (torch.arange(n, dtype=torch.float64) * 7919 % 1000 / 1000).float().reshape(1, 3, 224, 224)
    target = 7

    def predict():
        with torch.no_grad():
            return model(x)

    def gradcam():
        acts = {}
        h = model.features[18].register_forward_hook(lambda m, i, o: acts.setdefault("a", o))
        out = model(x)
        h.remove()
        a = acts["a"]
        g, = torch.autograd.grad(out[0, target], a)
        return torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1))

    def ig(steps=50, batch=10):
        total = torch.zeros_like(x)
        for s in range(0, steps, batch):
            alphas = torch.arange(s + 1, min(steps, s + batch) + 1, dtype=torch.float32).view(-1, 1, 1, 1) / steps
            xs = (alphas * x).requires_grad_(True)
            out = model(xs)
            g, = torch.autograd.grad(out[:, target].sum(), xs)
            total += g.sum(0, keepdim=True)
        return x * total / steps

    def occlusion(window=32, stride=16, batch=32):
        positions = [(r, c) for r in range(0, 224 - window + 1, stride) for c in range(0, 224 - window + 1, stride)]
        scores = []
        with torch.no_grad():
            for s in range(0, len(positions), batch):
                chunk = positions[s:s + batch]
                xs = x.repeat(len(chunk), 1, 1, 1)
                for k, (r, c) in enumerate(chunk):
                    xs[k, :, r:r + window, c:c + window] = 0
                scores.append(model(xs)[:, target])
        return torch.cat(scores)

    with torch.no_grad():
        logits = model(x)[0]
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "logits": logits[:10].tolist(),
        "predict": median_ms(3 if quick else 9, predict),
        "gradcam": median_ms(3 if quick else 7, gradcam),
        "ig": median_ms(1 if quick else 3, ig),
        "occlusion": median_ms(1 if quick else 3, occlusion),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
