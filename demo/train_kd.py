"""Knowledge distillation on the demo shapes: a teacher CNN, then a student trained with
cross-entropy + KD (Hinton et al. 2015), and the same student from scratch for comparison, each
student with 3 seeds.

Runs with Debian's python3-torch (PyTorch 1.13), numpy and PIL; no downloads. Runs: teacher,
student-kd-s1..s3, student-scratch-s1..s3. Writes, per run, under demo/runs/<run>/:
  train.jsonl          one JSON object per logged step: step, loss/total, loss/ce and, for the
                       distilled student, loss/kd (the terms as they enter the total: they add up to it)
  epochs.csv           one row per epoch: epoch, val_loss, val_acc (Keras CSVLogger style)
  checkpoints/epoch-NN.onnx
                       the model before training (epoch-00) and after each epoch (ONNX, opset 13,
                       input NCHW float in [0, 1], output logits); the last one is the model
  model.onnx           the trained model (= the last checkpoint), classes.json beside it
and demo/kd-images/: the first validation images as PNG files in one sub-folder per class, with
boxes.json (the object's box in image pixels, the layout of demo/images/boxes.json).

    /usr/bin/python3 demo/train_kd.py            # about two minutes on 2 cores
Open this file in VS Code with Model Lens: each logging line shows its latest value.
"""
import csv
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import PIL.Image
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32
CLASSES = ["circle", "square", "triangle", "cross"]
DEMO = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(DEMO, "runs")
IMAGES = os.path.join(DEMO, "kd-images")
IMAGES_PER_CLASS = 10
SEEDS = [1, 2, 3]
LOG_EVERY = 10


def make_shapes(count, seed, boxes=None):
    """The demo data set in small: one object (circle, square, triangle, cross) at a random
    place and size on a striped, noisy background of a random colour. With a list `boxes`, appends
    each object's bounding box (x, y, width, height in pixels)."""
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
        if boxes is not None:
            rows, cols = np.nonzero(mask)
            boxes.append((int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)))
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


def export(model, path):
    """The model as ONNX (opset 13, batch size free), in eval mode; training mode is restored."""
    was_training = model.training
    model.eval()
    torch.onnx.export(
        model, torch.zeros(1, 3, SIZE, SIZE), path, input_names=["input"], output_names=["logits"],
        opset_version=13, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    model.train(was_training)


def write_images(val, boxes):
    """The first IMAGES_PER_CLASS validation images of each class as PNG files, and boxes.json."""
    shutil.rmtree(IMAGES, ignore_errors=True)
    x, y = val
    entries, counts = [], {c: 0 for c in range(len(CLASSES))}
    for i in range(len(x)):
        label = int(y[i])
        if counts[label] == IMAGES_PER_CLASS:
            continue
        counts[label] += 1
        name = CLASSES[label]
        file = f"{name}/{name}-{counts[label]}.png"
        os.makedirs(os.path.join(IMAGES, name), exist_ok=True)
        pixels = (x[i].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        PIL.Image.fromarray(pixels).save(os.path.join(IMAGES, file))
        bx, by, bw, bh = boxes[i]
        entries.append({"file": file, "label": label, "class": name, "box": {"x": bx, "y": by, "width": bw, "height": bh}})
    entries.sort(key=lambda e: e["file"])
    with open(os.path.join(IMAGES, "boxes.json"), "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")


def train(name, model, data, val, epochs, teacher=None, alpha=0.7, temperature=4.0, lr=0.002, seed=1):
    """Trains `model` (Adam, one-cycle learning rate); with a teacher, total = (1 − α)·CE + α·KD.
    Exports the model before training and after each epoch."""
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    checkpoints = os.path.join(folder, "checkpoints")
    os.makedirs(checkpoints)
    with open(os.path.join(folder, "classes.json"), "w") as f:
        json.dump(CLASSES, f)
        f.write("\n")
    export(model, os.path.join(checkpoints, "epoch-00.onnx"))
    x, y = data
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = math.ceil(len(x) / 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * batches)
    generator = torch.Generator().manual_seed(seed)
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
            export(model, os.path.join(checkpoints, f"epoch-{epoch + 1:02d}.onnx"))
            print(f"{name} epoch {epoch}: val_loss={val_loss:.4f} val_acc={val_acc:.3f}", flush=True)
    model.eval()
    shutil.copyfile(os.path.join(checkpoints, f"epoch-{epochs:02d}.onnx"), os.path.join(folder, "model.onnx"))
    return model


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    started = time.time()
    data = make_shapes(4000, seed=1)
    boxes = []
    val = make_shapes(500, seed=2, boxes=boxes)
    write_images(val, boxes)
    teacher = train("teacher", cnn([32, 64, 96]), data, val, epochs=6)
    student_widths = [12, 24, 24]
    for seed in SEEDS:
        # The two students of a seed start from the same weights and see the batches in the same order.
        torch.manual_seed(seed)
        train(f"student-kd-s{seed}", cnn(student_widths), data, val, epochs=8, teacher=teacher, seed=seed)
        torch.manual_seed(seed)
        train(f"student-scratch-s{seed}", cnn(student_widths), data, val, epochs=8, seed=seed)
    print(f"done in {time.time() - started:.0f} s; logs in {os.path.relpath(OUT)}, images in {os.path.relpath(IMAGES)}", file=sys.stderr)


if __name__ == "__main__":
    main()
