#!/usr/bin/env python3
"""Writes the MobileNetV1-style quantization study suites, suites/mnv1_*.json.

Sheng et al. (Qualcomm, "A Quantization-Friendly Separable Convolution for MobileNets",
2018) found that 8-bit TensorFlow quantization (per-tensor weights, ReLU6's fixed [0, 6]
range) took MobileNetV1 from 70.5% to 1.8% top-1, and traced it to batch norm folded after
depthwise layers whose channels are dead (zero variance, so gamma / sqrt(epsilon) folds
into enormous weights that take the per-tensor scale from every other channel), and to
ReLU6. These suites rebuild that network in small (32x32x3, a 3x3 stem, seven depthwise +
pointwise blocks, batch norm after every convolution, dead channels) and vary the
quantization as the study did. Without trained weights and labels, top-1 agreement with the
float network over 300 test samples stands in for accuracy.

Run from the repository root; the suites are deterministic (fixed seeds).
"""
import json
import os

import numpy as np

# (stride of the depthwise, pointwise filters) per block.
BLOCKS = [(1, 16), (2, 32), (1, 32), (2, 64), (1, 64), (1, 64), (1, 64)]
STEM = 8
CLASSES = 10
INPUT = (32, 32, 3)
# Every fourth channel of the pointwise layers that feed a depthwise is dead: its
# batch_norm's beta is -20, so ReLU(6) zeroes it for every input, the next depthwise
# channel reads zeros and outputs its bias, and its batch norm statistics, measured on
# data as training measures them, have variance 0 there.
DEAD_EVERY = 4
DW_BIAS = 0.05
DATA = os.path.join("suites", "data", "mnv1")


def dead(channels):
    return np.array([c % DEAD_EVERY == 1 for c in range(channels)])


def same_pad(size, stride, k=3):
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2, total - total // 2


def windows(x, stride):
    """The nine shifted views of a 3x3 'same' window over NHWC x, as qbench pads."""
    _, h, w, _ = x.shape
    ho, top, bottom = same_pad(h, stride)
    wo, left, right = same_pad(w, stride)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    for ky in range(3):
        for kx in range(3):
            yield ky, kx, xp[:, ky:ky + stride * ho:stride, kx:kx + stride * wo:stride, :]


def conv3x3(x, w, b, stride):  # w: [out, 3, 3, in]
    return sum(v @ w[:, ky, kx, :].T for ky, kx, v in windows(x, stride)) + b


def depthwise(x, w, b, stride):  # w: [1, 3, 3, c]
    return sum(v * w[0, ky, kx, :] for ky, kx, v in windows(x, stride)) + b


def activate(x, act):
    return np.clip(x, 0, 6) if act == "relu6" else np.maximum(x, 0)


class Network:
    """Weights shared by every variant (files under suites/data/mnv1/); batch norm
    statistics measured on data for each activation, as training would have them."""

    def __init__(self):
        rng = np.random.default_rng(2018)
        he = lambda fan_in, shape: rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)
        self.stem = he(27, (STEM, 3, 3, 3))
        self.blocks = []
        c = STEM
        for stride, f in BLOCKS:
            self.blocks.append((stride, he(9, (1, 3, 3, c)), he(c, (f, c))))
            c = f
        self.logits = he(c, (CLASSES, c))
        self.inputs = rng.uniform(-1.0, 1.0, (64,) + INPUT).astype(np.float32)

    def statistics(self, act):
        """Per batch norm: (gamma, beta, mean, variance), dead channels in place."""
        stats = []

        def bn(y, kill=None, index=0):
            mean = y.mean(axis=(0, 1, 2))
            var = y.var(axis=(0, 1, 2))
            var[var < 1e-12] = 0.0  # a dead channel's input never moved
            c = y.shape[-1]
            gamma = 1.0 + 0.25 * np.sin(np.arange(c) * 1.3 + index)
            beta = 0.2 + 0.1 * np.cos(np.arange(c) * 0.7 + index)
            if kill is not None:
                beta = np.where(kill, -20.0, beta)
            stats.append((gamma, beta, mean, var))
            return activate(gamma * (y - mean) / np.sqrt(var + 1e-3) + beta, act)

        x = bn(conv3x3(self.inputs, self.stem, 0.0, 2), dead(STEM), 0)
        for i, (stride, dw, pw) in enumerate(self.blocks, start=1):
            x = bn(depthwise(x, dw, DW_BIAS, stride), None, 2 * i)
            last = i == len(self.blocks)
            x = bn(x @ pw.T, None if last else dead(pw.shape[0]), 2 * i + 1)
        return stats

    def write_weights(self):
        os.makedirs(DATA, exist_ok=True)
        arrays = {"stem": self.stem, "logits": self.logits}
        for i, (_, dw, pw) in enumerate(self.blocks, start=1):
            arrays[f"dw{i}"] = dw
            arrays[f"pw{i}"] = pw
        for name, a in arrays.items():
            with open(os.path.join(DATA, name + ".txt"), "w") as f:
                f.write("\n".join(f"{v:.6g}" for v in a.reshape(-1)) + "\n")


def weights(name):
    return {"generator": "file", "path": "data/mnv1/" + name + ".txt"}


def values(a):
    return {"generator": "values", "values": [round(float(v), 6) for v in a]}


def batch_norm(name, act, stats, zero_variance=None):
    gamma, beta, mean, var = stats
    layer = {"name": name, "op": "batch_norm", "activation": act, "epsilon": 0.001,
             "gamma": values(gamma), "beta": values(beta), "mean": values(mean),
             "variance": values(var)}
    if zero_variance:
        layer["zero_variance"] = zero_variance
    return layer


def network(stats, act, zero_variance, dw_per_channel, per_channel):
    zero = {"generator": "constant", "value": 0.0}
    layers = [{"name": "stem", "op": "conv2d", "filters": STEM, "kernel": 3, "stride": 2,
               "padding": "same", "per_channel": per_channel, "weights": weights("stem"),
               "bias": zero},
              batch_norm("stem_bn", act, stats[0])]
    for i, (stride, filters) in enumerate(BLOCKS, start=1):
        layers.append({"name": f"dw{i}", "op": "depthwise_conv2d", "kernel": 3, "stride": stride,
                       "padding": "same", "per_channel": dw_per_channel, "weights": weights(f"dw{i}"),
                       "bias": {"generator": "constant", "value": DW_BIAS}})
        layers.append(batch_norm(f"dw{i}_bn", act, stats[2 * i - 1], zero_variance))
        layers.append({"name": f"pw{i}", "op": "pointwise_conv2d", "filters": filters,
                       "per_channel": per_channel, "weights": weights(f"pw{i}"), "bias": zero})
        layers.append(batch_norm(f"pw{i}_bn", act, stats[2 * i]))
    layers.append({"name": "pool", "op": "global_avg_pool2d"})
    layers.append({"name": "logits", "op": "dense", "units": CLASSES, "per_channel": per_channel,
                   "weights": weights("logits"), "bias": zero})
    return layers


def uniform(seed, bound):
    return {"generator": "uniform", "seed": seed, "low": -bound, "high": bound}


VARIANTS = {
    "mnv1_tf8": ("per-tensor weights everywhere, ReLU6 at its fixed [0, 6] range, zero-variance "
                 "channels folded as they come: 8-bit TensorFlow's choices",
                 dict(act="relu6", zero_variance="none", dw_per_channel=False, per_channel=False,
                      range="fixed")),
    "mnv1_zero_variance": ("mnv1_tf8 with zero-variance channels folded as dead (zero weights, bias "
                           "beta)",
                           dict(act="relu6", zero_variance="zero_weights", dw_per_channel=False,
                                per_channel=False, range="fixed")),
    "mnv1_dw_per_channel": ("mnv1_tf8 with per-channel weights in the depthwise layers",
                            dict(act="relu6", zero_variance="none", dw_per_channel=True,
                                 per_channel=False, range="fixed")),
    "mnv1_relu": ("mnv1_zero_variance with ReLU instead of ReLU6 (observed ranges)",
                  dict(act="relu", zero_variance="zero_weights", dw_per_channel=False,
                       per_channel=False, range="minmax")),
    "mnv1_all_fixes": ("zero-variance channels folded as dead, per-channel weights everywhere, ReLU "
                       "with observed ranges",
                       dict(act="relu", zero_variance="zero_weights", dw_per_channel=True,
                            per_channel=True, range="minmax")),
}


def main():
    net = Network()
    net.write_weights()
    stats = {act: net.statistics(act) for act in ("relu6", "relu")}
    for name, (what, v) in VARIANTS.items():
        suite = {
            "$schema": "suite.schema.json",
            "name": name,
            "description": "MobileNetV1-style separable network (32x32x3, 3x3 stem, 7 depthwise + "
                           "pointwise blocks, batch norm after every convolution, dead channels) "
                           "from scripts/make_quant_study_suites.py: " + what,
            "input": {"shape": [32, 32, 3]},
            "quantization": {"range": v["range"], "per_channel": v["per_channel"]},
            "layers": network(stats[v["act"]], v["act"], v["zero_variance"], v["dw_per_channel"],
                              v["per_channel"]),
            "data": {
                "calibration": {"samples": 32, "inputs": uniform(100, 1.0)},
                "test": {"samples": 300, "inputs": uniform(101, 1.0)},
            },
        }
        with open(os.path.join("suites", name + ".json"), "w") as f:
            json.dump(suite, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
