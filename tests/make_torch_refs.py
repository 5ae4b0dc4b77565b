#!/usr/bin/python3
"""Writes tests/data/torch_refs.json: forward outputs and input gradients from PyTorch (float64)
for the ops whose semantics users carry over from PyTorch: conv2d, conv_transpose2d, batch/
instance/group norm, the fused norm -> mask -> activation, upsample, pads, max pooling, losses. tests/test_torch_reference.cpp reads it, so the C++
tests do not need torch. Run with Debian's interpreter (python3-torch): /usr/bin/python3 tests/make_torch_refs.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
cases = []


def t2j(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def add(name, op, params, inputs, fn, constants=None, extra=None):
    """inputs: dict of differentiable float64 tensors; constants: non-differentiable tensors."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves, **(constants or {}))
    grad_out = torch.randn_like(out)
    out.backward(grad_out)
    case = {
        "name": name,
        "op": op,
        "params": params,
        "inputs": {k: t2j(v) for k, v in inputs.items()},
        "constants": {k: t2j(v) for k, v in (constants or {}).items()},
        "grad_out": t2j(grad_out),
        "output": t2j(out),
        "grads": {k: t2j(v.grad) for k, v in leaves.items()},
    }
    if extra:
        case["extra"] = {k: t2j(v) for k, v in extra().items()}
    cases.append(case)


def rn(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# conv2d
for name, (x, w, b, kw) in {
    "conv2d_3x3_s2_p1": (rn(2, 3, 7, 6), rn(4, 3, 3, 3), rn(4), dict(stride=2, padding=1)),
    "conv2d_dil2_groups2": (rn(1, 4, 8, 7), rn(6, 2, 3, 2), rn(6), dict(padding=(2, 1), dilation=2, groups=2)),
    "conv2d_depthwise": (rn(2, 3, 5, 5), rn(3, 1, 3, 3), None, dict(padding=1, groups=3)),
}.items():
    inputs = {"x": x, "w": w}
    if b is not None:
        inputs["b"] = b
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
    add(name, "conv2d", params, inputs, lambda x, w, b=None, kw=kw: F.conv2d(x, w, b, **kw))

# conv_transpose2d (weight: C_in, C_out/groups, R, S)
for name, (x, w, b, kw) in {
    "conv_transpose2d_s2_p1_op1": (rn(2, 4, 4, 5), rn(4, 3, 3, 3), rn(3), dict(stride=2, padding=1, output_padding=1)),
    "conv_transpose2d_groups2_k4": (rn(1, 4, 3, 3), rn(4, 2, 4, 4), rn(4), dict(stride=2, padding=1, groups=2)),
}.items():
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
    add(name, "conv_transpose2d", params, {"x": x, "w": w, "b": b},
        lambda x, w, b, kw=kw: F.conv_transpose2d(x, w, b, **kw))

# batch norm: training updates running stats (compared too), eval uses them.
rm0, rv0 = rn(3) * 0.1, torch.rand(3, dtype=torch.float64) + 0.5
rm, rv = rm0.clone(), rv0.clone()
add("batch_norm_train", "batch_norm", {"training": True, "momentum": 0.1, "eps": 1e-5},
    {"x": rn(4, 3, 3, 2), "w": rn(3), "b": rn(3)},
    lambda x, w, b, running_mean, running_var: F.batch_norm(
        x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5),
    constants={"running_mean": rm0, "running_var": rv0},
    extra=lambda: {"running_mean": rm, "running_var": rv})
add("batch_norm_eval", "batch_norm", {"training": False, "momentum": 0.1, "eps": 1e-5},
    {"x": rn(2, 3, 2, 3), "w": rn(3), "b": rn(3)},
    lambda x, w, b, running_mean, running_var: F.batch_norm(
        x, running_mean, running_var, w, b, training=False, eps=1e-5),
    constants={"running_mean": rm0, "running_var": rv0})
add("instance_norm_affine", "instance_norm", {"eps": 1e-5},
    {"x": rn(2, 3, 4, 3), "w": rn(3), "b": rn(3)},
    lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5))
add("instance_norm_plain", "instance_norm", {"eps": 1e-5}, {"x": rn(2, 2, 3, 5)},
    lambda x: F.instance_norm(x, eps=1e-5))
add("group_norm_g2", "group_norm", {"groups": 2, "eps": 1e-5},
    {"x": rn(2, 4, 3, 3), "w": rn(4), "b": rn(4)},
    lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5))

# spatial
add("upsample_nearest_x2", "upsample_nearest2d", {"scale": 2}, {"x": rn(2, 2, 3, 4)},
    lambda x: F.interpolate(x, scale_factor=2, mode="nearest"))
add("upsample_bilinear_x2", "upsample_bilinear2d", {"scale": 2}, {"x": rn(1, 2, 3, 5)},
    lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
add("upsample_bilinear_x3", "upsample_bilinear2d", {"scale": 3}, {"x": rn(1, 1, 4, 2)},
    lambda x: F.interpolate(x, scale_factor=3, mode="bilinear", align_corners=False))
add("reflection_pad_asym", "reflection_pad2d", {"pad": [1, 2, 3, 1]}, {"x": rn(1, 2, 4, 5)},
    lambda x: F.pad(x, (1, 2, 3, 1), mode="reflect"))
add("zero_pad_asym", "zero_pad2d", {"pad": [2, 0, 1, 3]}, {"x": rn(2, 1, 3, 3)},
    lambda x: F.pad(x, (2, 0, 1, 3)))

# losses (mean reduction, as the GAN losses use them)
add("mse", "mse_loss", {}, {"x": rn(3, 4), "y": rn(3, 4)}, lambda x, y: F.mse_loss(x, y))
add("l1", "l1_loss", {}, {"x": rn(3, 4), "y": rn(3, 4)}, lambda x, y: F.l1_loss(x, y))
add("smooth_l1_beta0p5", "smooth_l1_loss", {"beta": 0.5}, {"x": rn(3, 5), "y": rn(3, 5)},
    lambda x, y: F.smooth_l1_loss(x, y, beta=0.5))
add("bce_with_logits", "bce_with_logits", {},
    {"x": rn(4, 3) * 3, "t": torch.rand(4, 3, dtype=torch.float64)},
    lambda x, t: F.binary_cross_entropy_with_logits(x, t))
add("hinge_real", "hinge_loss", {"sign": 1.0}, {"x": rn(6)}, lambda x: F.relu(1.0 - x).mean())
add("hinge_fake", "hinge_loss", {"sign": -1.0}, {"x": rn(6)}, lambda x: F.relu(1.0 + x).mean())
add("cross_entropy", "cross_entropy", {}, {"x": rn(5, 4)},
    lambda x, target: F.cross_entropy(x, target),
    constants={"target": torch.tensor([0, 3, 1, 1, 2])})

# Few output pixels, many filter rows: the CPU input gradient / transposed conv splits its column
# matrix by channel across threads there (kernels/cpu/conv.cpp, dgrad_by_channel). Added last so
# that the cases above keep their random numbers.
for name, (x, w, b, kw) in {
    "conv_transpose2d_1x1_to_4x4": (rn(2, 8, 1, 1), rn(8, 5, 4, 4), rn(5), dict()),
    "conv_transpose2d_2x2_s2_k4": (rn(3, 6, 2, 2), rn(6, 5, 4, 4), rn(5), dict(stride=2, padding=1)),
}.items():
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
    add(name, "conv_transpose2d", params, {"x": x, "w": w, "b": b},
        lambda x, w, b, kw=kw: F.conv_transpose2d(x, w, b, **kw))
add("conv2d_to_2x2_k4_s2", "conv2d", {"stride": 2, "padding": 1},
    {"x": rn(2, 5, 4, 4), "w": rn(6, 5, 4, 4), "b": rn(6)},
    lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1))
# Added after the others, so that their random inputs stay as they were.
add("max_pool_k3_s2_pad1", "max_pool2d", {"kernel": 3, "stride": 2, "padding": 1},
    {"x": rn(2, 2, 5, 6)}, lambda x: F.max_pool2d(x, 3, 2, 1))
# Ties (values from {0, 1, 2}) in overlapping windows: the first maximum takes the gradient.
add("max_pool_ties_k2_s1", "max_pool2d", {"kernel": 2, "stride": 1, "padding": 0},
    {"x": torch.randint(0, 3, (1, 2, 4, 5), dtype=torch.float64)}, lambda x: F.max_pool2d(x, 2, 1))

# norm_mask_act (DMAD's conv -> norm -> mask -> act, fused in ganlite): PyTorch's unfused chain.
# Added last, so that the cases above keep their random numbers.
add("norm_mask_act_instance_affine_relu", "norm_mask_act",
    {"norm": "instance", "act": "relu", "eps": 1e-5},
    {"x": rn(2, 3, 4, 3), "w": rn(3), "b": rn(3), "mask": torch.rand(3, dtype=torch.float64)},
    lambda x, w, b, mask: F.relu(
        mask.view(1, -1, 1, 1) * F.instance_norm(x, weight=w, bias=b, eps=1e-5)))
rm0, rv0 = rn(4) * 0.1, torch.rand(4, dtype=torch.float64) + 0.5
rm, rv = rm0.clone(), rv0.clone()
add("norm_mask_act_batch_train_leaky", "norm_mask_act",
    {"norm": "batch", "act": "leaky_relu", "slope": 0.2, "training": True, "momentum": 0.1,
     "eps": 1e-5},
    {"x": rn(3, 4, 3, 3), "w": rn(4), "b": rn(4), "mask": torch.rand(4, dtype=torch.float64)},
    lambda x, w, b, mask, running_mean, running_var: F.leaky_relu(
        mask.view(1, -1, 1, 1) * F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1,
                                              eps=1e-5), 0.2),
    constants={"running_mean": rm0, "running_var": rv0},
    extra=lambda: {"running_mean": rm, "running_var": rv})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_refs.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/make_torch_refs.py", "torch_version": torch.__version__,
               "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {out}")
