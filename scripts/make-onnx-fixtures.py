"""ONNX fixtures exported by a real exporter (PyTorch's torch.onnx), with reference outputs.

Needs Debian's python3-torch (PyTorch 1.13: apt-get install python3-torch); run it by hand, not at
test time — the small fixtures it writes are committed:

    /usr/bin/python3 scripts/make-onnx-fixtures.py          # writes test/fixtures/onnx/
    /usr/bin/python3 scripts/make-onnx-fixtures.py --mobilenet [path]
        # torchvision's MobileNetV2, random seeded weights, to .cache/onnx/mobilenet_v2.onnx
        # (14 MB, not committed; npm run bench uses it; needs python3-torchvision)

For each model: <name>.onnx (opset 13 unless said) and <name>.json holding a seeded input (NCHW),
the logits PyTorch computes for it, and the Grad-CAM map at the tensor exported as the second
output "cam_layer" (score: the top logit, before any final softmax): the references Model Lens
must reproduce.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "onnx")


class SmallCnn(nn.Module):
    """Conv + batch norm + ReLU, max pool, a dilated conv, average pool, flatten of a 4×4 map, Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 12, 3, padding=2, dilation=2)
        self.fc = nn.Linear(12 * 4 * 4, 6)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        act = F.leaky_relu(self.conv2(x), 0.1)
        x = F.avg_pool2d(act, 2)
        return self.fc(torch.flatten(x, 1)), act


class DwResidual(nn.Module):
    """Strided conv + HardSwish, depthwise conv + ReLU6 (Clip), grouped 1×1 conv, residual Add,
    Sigmoid gate (Mul), Concat, global average pool, Flatten, Linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn0 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.bn1 = nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 16, 1, groups=4)
        self.bn2 = nn.BatchNorm2d(16)
        self.gate = nn.Conv2d(16, 8, 1)
        self.fc = nn.Linear(24, 5)

    def forward(self, x):
        x = F.hardswish(self.bn0(self.stem(x)))
        y = self.bn2(self.pw(F.relu6(self.bn1(self.dw(x)))))
        act = F.relu(x + y)
        g = torch.sigmoid(self.gate(act)) * act[:, :8]
        z = torch.cat([act, g], dim=1)
        z = F.adaptive_avg_pool2d(z, 1)
        return self.fc(torch.flatten(z, 1)), act


class SoftmaxHead(nn.Module):
    """Conv + Tanh, padding by F.pad, x.view(x.size(0), -1) (Shape → Gather → Unsqueeze → Concat →
    Reshape), Linear, Softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 14 * 14, 4)

    def forward(self, x):
        x = torch.tanh(self.conv(F.pad(x, (1, 1, 1, 1))))
        act = F.relu(self.conv2(x))
        logits = self.fc(act.view(act.size(0), -1))
        return F.softmax(logits, dim=1), act


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def export(name, model, size, softmax_output=False, opset=13):
    gen = torch.Generator().manual_seed(len(name))
    torch.manual_seed(len(name))
    randomize_bn(model, gen)
    model.eval()
    x = torch.rand(1, 3, size, size, generator=gen)
    path = os.path.join(OUT, f"{name}.onnx")
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits", "cam_layer"], opset_version=opset,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "cam_layer": {0: "batch"}})
    # References: logits (before a final softmax) and Grad-CAM at `act`.
    out, act = model(x)
    act.retain_grad()
    logits = out
    if softmax_output:
        # The pre-softmax logits: the Linear's output. Recompute through the model's parts.
        logits = model.fc(act.view(act.size(0), -1))
    target = int(logits.argmax(1))
    logits[0, target].backward()
    grad = act.grad[0]
    weights = grad.mean(dim=(1, 2))
    cam = F.relu((weights[:, None, None] * act[0]).sum(0)).detach()
    ref = {
        "model": f"{name}.onnx",
        "opset": opset,
        "exporter": f"torch {torch.__version__}",
        "input": {"shape": list(x.shape), "values": x.flatten().tolist()},
        "output": out.detach().flatten().tolist(),
        "logits": logits.detach().flatten().tolist(),
        "softmax": softmax_output,
        "gradcam": {"layer": "cam_layer", "target": target, "height": cam.shape[0], "width": cam.shape[1], "values": cam.flatten().tolist()},
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(ref, f)
    print(f"{name}: {os.path.getsize(path)} bytes, logits {[round(v, 4) for v in ref['logits']]}, target {target}")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(True)
    export("small-cnn", SmallCnn(), 16)
    export("dw-residual", DwResidual(), 16)
    export("softmax-head", SoftmaxHead(), 32, softmax_output=True)
    export("small-cnn-opset9", SmallCnn(), 16, opset=9)




def export_mobilenet(path):
    """torchvision's MobileNetV2 with random, seeded weights (no download), for `npm run bench`."""
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    x = torch.rand(1, 3, 224, 224)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=13, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    import sys

    if "--mobilenet" in sys.argv:
        export_mobilenet(sys.argv[sys.argv.index("--mobilenet") + 1] if len(sys.argv) > sys.argv.index("--mobilenet") + 1 else ".cache/onnx/mobilenet_v2.onnx")
    else:
        main()
