"""Keras fixtures written with h5py in the exact layouts Keras 2 (2.13) and Keras 3 write, with
reference outputs computed in PyTorch from the same weights — no TensorFlow needed.

Needs Debian's python3-h5py, python3-numpy and python3-torch; run by hand, the small files are
committed:

    /usr/bin/python3 scripts/make-keras-fixtures.py     # writes test/fixtures/keras/

Files: keras2-sequential.h5 (Keras 2.13 HDF5: model_config attribute with module/registered_name
wrappers, RandomFlip, BatchNormalization axis [3], weights under model_weights/<layer>/<layer>/<name>:0),
keras3-functional.keras (Keras 3 archive: config.json with DTypePolicy objects, batch_shape and
args/kwargs inbound nodes; model.weights.h5 with layers/<name>/vars/<i>), keras3-legacy.h5 (Keras 3's
model.save("x.h5"): Keras 3 config in the HDF5 layout), lambda.h5 (a Lambda layer), model.weights.h5
(weights only). <name>.json holds a seeded input (NHWC), the model's output and the Grad-CAM map of
the first image at the last convolutional activation (score: the top logit, before the softmax).
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "keras")
rng = np.random.default_rng(7)


def w(*shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k2(class_name, **config):
    """A layer as Keras 2.13 serializes it."""
    return {"module": "keras.layers", "class_name": class_name, "config": {"trainable": True, "dtype": "float32", **config}, "registered_name": None}


def k3(class_name, name, inbound=None, **config):
    """A layer as Keras 3 serializes it in a functional model."""
    layer = {"module": "keras.layers", "class_name": class_name, "config": {"name": name, "trainable": True, "dtype": policy(), **config}, "registered_name": None, "build_config": {"input_shape": None}, "name": name}
    if inbound is not None:
        def tensor(src):
            return {"class_name": "__keras_tensor__", "config": {"shape": [None], "dtype": "float32", "keras_history": [src, 0, 0]}}
        args = [tensor(s) for s in inbound] if len(inbound) > 1 else tensor(inbound[0])
        layer["inbound_nodes"] = [{"args": [args] if len(inbound) > 1 else [args], "kwargs": {}}]
    return layer


# Weights of the Sequential model (Keras layouts: conv kernels [kh, kw, in, out], dense [in, out]).
SEQ = {
    "conv2d": [w(3, 3, 3, 8), w(8, scale=0.1)],
    "batch_normalization": [w(8, scale=0.2) + 1, w(8, scale=0.1), w(8, scale=0.2), np.abs(w(8)) + 0.5],
    "conv2d_1": [w(3, 3, 8, 12), w(12, scale=0.1)],
    "dense": [w(12, 5), w(5, scale=0.1)],
}


def sequential_config(keras3=False):
    conv = dict(filters=8, kernel_size=[3, 3], strides=[1, 1], padding="same", data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="relu", use_bias=True,
                kernel_initializer={"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None}, bias_initializer={"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
                kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)
    make = (lambda cls, **c: {**k2(cls, **c), "config": {**k2(cls, **c)["config"], "dtype": policy()}}) if keras3 else k2
    first = make("InputLayer", name="input_1", sparse=False, ragged=False, **({"batch_shape": [None, 16, 16, 3]} if keras3 else {"batch_input_shape": [None, 16, 16, 3]}))
    layers = [
        first,
        make("RandomFlip", name="random_flip", mode="horizontal", seed=None),
        make("Conv2D", name="conv2d", **conv),
        make("BatchNormalization", name="batch_normalization", axis=3 if keras3 else [3], momentum=0.99, epsilon=0.001, center=True, scale=True),
        make("MaxPooling2D", name="max_pooling2d", pool_size=[2, 2], strides=[2, 2], padding="valid", data_format="channels_last"),
        make("Conv2D", name="conv2d_1", **{**conv, "filters": 12, "padding": "valid"}),
        make("GlobalAveragePooling2D", name="global_average_pooling2d", data_format="channels_last", keepdims=False),
        make("Dense", name="dense", units=5, activation="softmax", use_bias=True),
    ]
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def sequential_reference(x, cam=False):
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    conv = lambda t, k, b, pad: F.conv2d(t, torch.from_numpy(k).permute(3, 2, 0, 1), torch.from_numpy(b), padding=pad)
    y = F.relu(conv(t, *SEQ["conv2d"], 1))
    g, b, m, v = (torch.from_numpy(a) for a in SEQ["batch_normalization"])
    y = F.batch_norm(y, m, v, g, b, training=False, eps=0.001)
    y = F.max_pool2d(y, 2)
    act = F.relu(conv(y, *SEQ["conv2d_1"], 0))
    if cam:
        act = act.detach().requires_grad_(True)
    y = act.mean(dim=(2, 3))
    y = y @ torch.from_numpy(SEQ["dense"][0]) + torch.from_numpy(SEQ["dense"][1])
    return (y, act) if cam else F.softmax(y, dim=1).numpy()


def write_h5(path, config, version, weight_suffix):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        names = [l["config"]["name"] for l in config["config"]["layers"] if l["class_name"] != "InputLayer"]
        g.attrs["layer_names"] = [n.encode() for n in names]
        for n in names:
            lg = g.create_group(n)
            kinds = {"conv2d": ["kernel", "bias"], "conv2d_1": ["kernel", "bias"], "dense": ["kernel", "bias"], "batch_normalization": ["gamma", "beta", "moving_mean", "moving_variance"]}.get(n, [])
            lg.attrs["weight_names"] = [f"{n}/{k}{weight_suffix}".encode() for k in kinds]
            for k, value in zip(kinds, SEQ.get(n, [])):
                lg.create_dataset(f"{n}/{k}{weight_suffix}", data=value)


# The functional Keras 3 model: conv → ReLU(max 6) → depthwise conv → batch norm → Add → ReLU → GAP → dense.
FUN = {
    "stem": [w(3, 3, 3, 6), w(6, scale=0.1)],
    "dw": [w(3, 3, 6, 1), w(6, scale=0.1)],
    "bn": [w(6, scale=0.2) + 1, w(6, scale=0.1), w(6, scale=0.2), np.abs(w(6)) + 0.5],
    "head": [w(6, 4), w(4, scale=0.1)],
}


def functional_config():
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 12, 12, 3], "dtype": "float32", "sparse": False, "name": "input_layer"}, "registered_name": None, "name": "input_layer", "inbound_nodes": []},
        k3("Conv2D", "stem", ["input_layer"], filters=6, kernel_size=[3, 3], strides=[1, 1], padding="same", data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear", use_bias=True),
        k3("ReLU", "relu6", ["stem"], max_value=6.0, negative_slope=0.0, threshold=0.0),
        k3("DepthwiseConv2D", "dw", ["relu6"], kernel_size=[3, 3], strides=[1, 1], padding="same", depth_multiplier=1, data_format="channels_last", dilation_rate=[1, 1], activation="linear", use_bias=True),
        k3("BatchNormalization", "bn", ["dw"], axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True),
        k3("Add", "add", ["relu6", "bn"]),
        k3("Activation", "relu", ["add"], activation="relu"),
        k3("GlobalAveragePooling2D", "gap", ["relu"], data_format="channels_last", keepdims=False),
        k3("Dense", "head", ["gap"], units=4, activation="linear", use_bias=True),
    ]
    return {"module": "keras", "class_name": "Functional", "config": {"name": "functional", "trainable": True, "layers": layers, "input_layers": ["input_layer", 0, 0], "output_layers": ["head", 0, 0]}, "registered_name": "Functional", "build_config": {"input_shape": None}}


def functional_reference(x, cam=False):
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    y = F.conv2d(t, torch.from_numpy(FUN["stem"][0]).permute(3, 2, 0, 1), torch.from_numpy(FUN["stem"][1]), padding=1)
    r6 = torch.clamp(y, 0, 6)
    dwk = torch.from_numpy(FUN["dw"][0]).permute(2, 3, 0, 1)  # [C, mult, kh, kw]
    y = F.conv2d(r6, dwk.reshape(6, 1, 3, 3), torch.from_numpy(FUN["dw"][1]), padding=1, groups=6)
    g, b, m, v = (torch.from_numpy(a) for a in FUN["bn"])
    y = F.batch_norm(y, m, v, g, b, training=False, eps=0.001)
    act = F.relu(r6 + y)
    if cam:
        act = act.detach().requires_grad_(True)
    y = act.mean(dim=(2, 3))
    y = y @ torch.from_numpy(FUN["head"][0]) + torch.from_numpy(FUN["head"][1])
    return (y, act) if cam else y.numpy()


def gradcam(fn, x, layer):
    """Grad-CAM of the first image at `layer` (the activation fn returns), score: the top logit."""
    logits, act = fn(x[:1], cam=True)
    target = int(logits.argmax(1))
    logits[0, target].backward()
    cam = F.relu((act.grad[0].mean(dim=(1, 2))[:, None, None] * act[0]).sum(0)).detach()
    return {"layer": layer, "target": target, "height": cam.shape[0], "width": cam.shape[1], "values": cam.flatten().tolist()}


def reference(name, x, out, cam):
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump({"input": {"shape": list(x.shape), "values": x.flatten().tolist()}, "output": out.flatten().tolist(), "output_shape": list(out.shape), "gradcam": cam}, f)


def main():
    os.makedirs(OUT, exist_ok=True)
    x16 = rng.uniform(0, 1, (2, 16, 16, 3)).astype(np.float32)
    write_h5(os.path.join(OUT, "keras2-sequential.h5"), {**sequential_config(), "keras_version": "2.13.1", "backend": "tensorflow"}, "2.13.1", ":0")
    reference("keras2-sequential", x16, sequential_reference(x16), gradcam(sequential_reference, x16, "conv2d_1"))
    write_h5(os.path.join(OUT, "keras3-legacy.h5"), sequential_config(keras3=True), "3.3.3", "")
    reference("keras3-legacy", x16, sequential_reference(x16), gradcam(sequential_reference, x16, "conv2d_1"))

    x12 = rng.uniform(0, 1, (2, 12, 12, 3)).astype(np.float32)
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        layers = f.create_group("layers")
        for name, values in FUN.items():
            vars_ = layers.create_group(name).create_group("vars")
            for i, v in enumerate(values):
                vars_.create_dataset(str(i), data=v)
    with zipfile.ZipFile(os.path.join(OUT, "keras3-functional.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2026-11-28@12:00:00"}))
        z.writestr("config.json", json.dumps(functional_config()))
        z.writestr("model.weights.h5", weights.getvalue())
    reference("keras3-functional", x12, functional_reference(x12), gradcam(functional_reference, x12, "relu"))

    lam = sequential_config()
    lam["config"]["layers"].insert(2, k2("Lambda", name="scale_by_two", function=["4wEAAAAAAAAA", None, None], function_type="lambda", output_shape=None, arguments={}))
    write_h5(os.path.join(OUT, "lambda.h5"), lam, "2.13.1", ":0")
    with h5py.File(os.path.join(OUT, "model.weights.h5"), "w") as f:
        f.create_group("layers").create_group("dense").create_group("vars").create_dataset("0", data=w(2, 2))
    print("written:", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
