"""Knowledge distillation on the demo shapes: a teacher CNN, then a student trained with
cross-entropy + KD (Hinton et al. 2015), and the same student from scratch for comparison.

Runs with Debian's python3-torch (PyTorch 1.13) and numpy; no downloads. Writes, per run, under
demo/runs/<run>/:
  train.jsonl   one JSON object per logged step: step, loss/total, loss/ce and, for the
                distilled student, loss/kd (the terms as they enter the total: they add up to it)
  epochs.csv    one row per epoch: epoch, val_loss, val_acc (Keras CSVLogger style)

    /usr/bin/python3 demo/train_kd.py            # about a minute on 2 cores
Open this file in VS Code with Model Lens: each logging line shows its latest value.
"""
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32
CLASSES = ["circle", "square", "triangle", "cross"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")
LOG_EVERY = 10


def make_shapes(count, seed):
    """The demo data set in small: one object (circle, square, triangle, cross) at a random
    place and size on a striped, noisy background of a random colour."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    images = np.empty((count, 3, SIZE, SIZE), np.float32)
    labels = rng.integers(0, len(CLASSES), count)
    for i, label in enumerate(labels):
        bg = rng.uniform(0.2, 0.8, 3).astype(np.float32)
        angle = rng.uniform(0, math.pi)
        stripes = 0.08 * np.sin((xs * math.cos(angle) + ys * math.sin(angle)) * 0.8)
        img = bg[:, None, None] + stripes[None] + rng.normal(0, 0.04, (3, SIZE, SIZE)).astype(np.float32)
        r = rng.uniform(5, 9)
        cx, cy = rng.uniform(r + 1, SIZE - r - 1, 2)
        dx, dy = xs - cx, ys - cy
        if label == 0:
            mask = dx * dx + dy * dy <= r * r
        elif label == 1:
            mask = (np.abs(dx) <= r * 0.8) & (np.abs(dy) <= r * 0.8)
        elif label == 2:
            mask = (dy <= r * 0.7) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.6)
        else:
            mask = ((np.abs(dx) <= r * 0.3) | (np.abs(dy) <= r * 0.3)) & (np.abs(dx) <= r) & (np.abs(dy) <= r)
        colour = (1.0 - bg) if rng.random() < 0.5 else rng.uniform(0, 1, 3).astype(np.float32)
        img[:, mask] = colour[:, None]
        images[i] = np.clip(img, 0, 1)
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


def cnn(widths):
    layers, c = [], 3
    for k, w in enumerate(widths):
        layers += [nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
        if k < len(widths) - 1:
            layers.append(nn.MaxPool2d(2))
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, len(CLASSES))]
    return nn.Sequential(*layers)


def kd_loss(student_logits, teacher_logits, temperature):
    """KL(softmax(t/T) || softmax(s/T)) · T², batch mean."""
    return F.kl_div(
        F.log_softmax(student_logits / temperature, dim=1),
        F.softmax(teacher_logits / temperature, dim=1),
        reduction="batchmean",
    ) * temperature ** 2


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def train(name, model, data, val, epochs, teacher=None, alpha=0.7, temperature=4.0, lr=0.002):
    """Trains `model` (Adam, one-cycle learning rate); with a teacher, total = (1 − α)·CE + α·KD."""
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    x, y = data
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = math.ceil(len(x) / 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * batches)
    generator = torch.Generator().manual_seed(1)
    step = 0
    with open(os.path.join(folder, "train.jsonl"), "w") as jsonl, open(os.path.join(folder, "epochs.csv"), "w", newline="") as f:
        epochs_csv = csv.DictWriter(f, fieldnames=["epoch", "val_loss", "val_acc"])
        epochs_csv.writeheader()
        for epoch in range(epochs):
            model.train()
            for batch in torch.randperm(len(x), generator=generator).split(64):
                logits = model(x[batch])
                ce_term = F.cross_entropy(logits, y[batch])
                kd_term = torch.zeros(())
                if teacher is not None:
                    with torch.no_grad():
                        teacher_logits = teacher(x[batch])
                    ce_term = (1 - alpha) * ce_term
                    kd_term = alpha * kd_loss(logits, teacher_logits, temperature)
                total = ce_term + kd_term
                optimizer.zero_grad()
                total.backward()
                optimizer.step()
                schedule.step()
                if step % LOG_EVERY == 0:
                    jsonl.write(json.dumps({
                        "step": step,
                        "loss/total": total.item(),
                        "loss/ce": ce_term.item(),
                        **({"loss/kd": kd_term.item()} if teacher is not None else {}),
                    }) + "\n")
                    jsonl.flush()
                step += 1
            val_loss, val_acc = evaluate(model, *val)
            epochs_csv.writerow({
                "epoch": epoch,
                "val_loss": round(val_loss, 6),
                "val_acc": round(val_acc, 6),
            })
            f.flush()
            print(f"{name} epoch {epoch}: val_loss={val_loss:.4f} val_acc={val_acc:.3f}", flush=True)
    model.eval()
    return model


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    started = time.time()
    data = make_shapes(4000, seed=1)
    val = make_shapes(500, seed=2)
    teacher = train("teacher", cnn([32, 64, 128]), data, val, epochs=6)
    student_widths = [12, 24, 24]
    torch.manual_seed(1)
    train("student-kd", cnn(student_widths), data, val, epochs=8, teacher=teacher)
    torch.manual_seed(1)
    train("student-scratch", cnn(student_widths), data, val, epochs=8)
    print(f"done in {time.time() - started:.0f} s; logs in {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
