"""The training step of the distillation trainer's cnn:1 student, in PyTorch on the CPU, for
`npm run bench -- --train` (bench/lib/train.ts runs it between its own rounds). One thread, as the
wasm backend has. Prints one JSON line: {"msPerStep", "steps", "torch", "threads"}.

    /usr/bin/python3 scripts/train-bench.py STEPS
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def student():
    layers, c = [], 3
    for i, w in enumerate([16, 32, 64]):
        layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2))
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 4)]
    return nn.Sequential(*layers)


def main():
    steps = int(sys.argv[1])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = student().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(32, 3, 64, 64)
    y = torch.arange(32) % 4

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    ms = (time.perf_counter() - t0) * 1000 / steps
    print(json.dumps({"msPerStep": ms, "steps": steps, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
