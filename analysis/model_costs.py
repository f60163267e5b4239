#!/usr/bin/env python3
"""Flop and parameter counts of the paper's networks, computed from their layer lists.

Conventions (stated in docs/paper-scenarios.md):
- MAC counts of convolutions and fully connected layers only (BN, ReLU, pooling, softmax ignored:
  they are < 1% of the MACs here); 2 flop per MAC; forward+backward = 3 x forward.
- Parameter bytes at fp32 (4 bytes): every weight, bias and BatchNorm affine parameter (running
  statistics are buffers, not parameters, and are not counted).
- Pruned versions: global magnitude pruning of conv+fc weights (biases and BN untouched).
  "Sparse kernels, non-zero counts": the parameter bytes count only the non-zero weights (no index
  overhead) and the flops count only MACs with a non-zero weight.  Global pruning's per-layer
  densities depend on the trained weights, which we do not have, so every conv/fc layer is counted
  at the global density 1 - p.
- Inputs 32x32x3 (GTSRB images resized to 32x32); classes: CIFAR-10 10, GTSRB 43.

Architectures:
- alexnet: the CIFAR adaptation of AlexNet from icpm/pytorch-cifar10 (models/AlexNet.py) as used by
  the training log we fit (caradryanl/CS385-Course-Project-2, models/alexnet.py @ 6fcda76):
  conv3x3(3,24,s2) pool2, conv3x3(24,96) pool2, conv3x3(96,192), conv3x3(192,192),
  conv3x3(192,96) pool2, fc 384-1024-1024-classes (convs without bias).
- mobilenet: MobileNet v1 (Howard et al. 2017, arXiv 1704.04861), width 1.0, CIFAR stem as in
  kuangliu/pytorch-cifar models/mobilenet.py: conv3x3(3,32,s1)+BN, 13 depthwise-separable blocks
  (64, 128/2, 128, 256/2, 256, 512/2, 5x512, 1024/2, 1024) each dw3x3+BN+pw1x1+BN, global average
  pool, fc 1024-classes.

Usage: python3 analysis/model_costs.py   (prints a table)
"""
from __future__ import annotations

import dataclasses
import sys

FP32 = 4
PRUNINGS = (0.0, 0.5, 0.75)


@dataclasses.dataclass
class Layer:
    name: str
    kind: str          # conv | fc | bn
    weights: int       # prunable weights (conv/fc); 0 for bn
    other: int         # biases and BN affine parameters (never pruned)
    macs: int          # forward MACs per sample with a dense weight tensor


def conv(name, cin, cout, k, h_out, w_out, groups=1, bias=False):
    w = cout * (cin // groups) * k * k
    return Layer(name, "conv", w, cout if bias else 0, w * h_out * w_out)


def fc(name, fin, fout):
    return Layer(name, "fc", fin * fout, fout, fin * fout)


def bn(name, c):
    return Layer(name, "bn", 0, 2 * c, 0)


def alexnet(classes: int) -> list[Layer]:
    # 32x32 -> conv s2 -> 16x16 -> pool -> 8x8
    return [
        conv("conv1", 3, 24, 3, 16, 16),
        conv("conv2", 24, 96, 3, 8, 8),      # then pool -> 4x4
        conv("conv3", 96, 192, 3, 4, 4),
        conv("conv4", 192, 192, 3, 4, 4),
        conv("conv5", 192, 96, 3, 4, 4),     # then pool -> 2x2: 96*2*2 = 384
        fc("fc6", 384, 1024),
        fc("fc7", 1024, 1024),
        fc("fc8", 1024, classes),
    ]


def mobilenet(classes: int) -> list[Layer]:
    layers = [conv("conv1", 3, 32, 3, 32, 32), bn("bn1", 32)]
    cfg = [64, (128, 2), 128, (256, 2), 256, (512, 2), 512, 512, 512, 512, 512, (1024, 2), 1024]
    cin, hw = 32, 32
    for i, c in enumerate(cfg):
        cout, stride = (c, 1) if isinstance(c, int) else c
        hw = hw // stride
        layers += [conv(f"dw{i+1}", cin, cin, 3, hw, hw, groups=cin), bn(f"dw{i+1}.bn", cin),
                   conv(f"pw{i+1}", cin, cout, 1, hw, hw), bn(f"pw{i+1}.bn", cout)]
        cin = cout
    layers.append(fc("fc", 1024, classes))   # after global average pooling (2x2 -> 1x1)
    return layers


ARCHS = {"alexnet": alexnet, "mobilenet": mobilenet}


def costs(arch: str, classes: int, pruning: float) -> dict:
    """flops_per_sample (forward+backward) and param_bytes of `arch` pruned by `pruning`."""
    layers = ARCHS[arch](classes)
    density = 1.0 - pruning
    weights = sum(l.weights for l in layers)
    other = sum(l.other for l in layers)
    macs = sum(l.macs for l in layers)
    nz_weights = round(weights * density)
    nz_macs = macs * density
    return {
        "arch": arch, "classes": classes, "pruning": pruning,
        "weights": weights, "nonzero_weights": nz_weights, "other_params": other,
        "forward_macs": nz_macs,
        "flops_per_sample": 3.0 * 2.0 * nz_macs,
        "param_bytes": float(FP32 * (nz_weights + other)),
    }


def main() -> int:
    print(f"{'arch':10} {'classes':>7} {'pruning':>7} {'params(nz)':>12} {'fwd MAC':>12} "
          f"{'flop/sample f+b':>16} {'param bytes':>12}")
    for arch in ARCHS:
        for classes in (10, 43):
            for p in PRUNINGS:
                c = costs(arch, classes, p)
                print(f"{arch:10} {classes:7d} {p:7.2f} {c['nonzero_weights'] + c['other_params']:12d} "
                      f"{c['forward_macs']:12.4g} {c['flops_per_sample']:16.4g} {c['param_bytes']:12.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
