#!/usr/bin/python3
# The PyTorch side of `ganlite bench model`: the same network built in PyTorch
# (tests/torch_models.py, the same parameter names), loaded from the weights ganlite saved
# (`ganlite bench model ... --save DIR`), checked against ganlite's output on the same input, then
# timed by the same protocol: warm-up, a synchronisation after each run, median and p90; the
# training iteration is the same D step then G step with LSGAN losses and Adam (2e-4, 0.5, 0.999);
# bench_r1 times D's step without and with the R1 penalty (`ganlite bench model --r1`).
import json
import os
import statistics
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
import torch_models as tm  # noqa: E402

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def load_safetensors(path):
    """Our own reader of the format (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = bytearray(data[8 + n + begin:8 + n + end])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if buf else torch.empty(0)
        out[key] = t.reshape(info["shape"]).clone()
    return out


def build(name, o):
    """The PyTorch twin of ganlite registry model `name` with options `o` (all given)."""
    i = lambda k: int(o[k])  # noqa: E731
    if name in ("resnet_generator", "mobile_resnet_generator"):
        if o.get("norm", "instance") != "instance":
            raise SystemExit(f"{name}: the PyTorch twin has instance norm only")
        make = tm.resnet_generator if name == "resnet_generator" else tm.mobile_resnet_generator
        return make(i("input_nc"), i("output_nc"), i("ngf"), i("n_blocks"))
    if name == "unet_generator":
        return tm.unet_generator(i("input_nc"), i("output_nc"), i("num_downs"), i("ngf"))
    if name == "patchgan":
        return tm.patchgan(i("input_nc"), i("ndf"), i("n_layers"))
    if name == "dcgan_generator":
        return tm.dcgan_generator(i("nz"), i("ngf"), i("output_nc"), i("image_size"))
    if name == "dcgan_discriminator":
        return tm.dcgan_discriminator(i("input_nc"), i("ndf"), i("image_size"))
    if name == "sngan_generator":
        return tm.SnganGenerator(i("z_dim"), i("ch"), i("output_nc"), i("num_classes"))
    if name == "stylegan2_discriminator":
        if i("img_channels") != 3:
            raise SystemExit(f"{name}: the PyTorch twin takes 3-channel images")
        return tm.Discriminator(i("resolution"), i("channel_base"), i("channel_max"))
    raise SystemExit(f"no PyTorch twin for {name}")


def timed(fn, runs, warmup, device):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return {"median_ms": statistics.median(ms), "p90_ms": ms[min(len(ms) - 1, int(0.9 * len(ms)))]}


def bench(model, options, d_model, d_options, batches, runs, warmup, train_batch, save_dir,
          device="cpu", threads=None):
    torch.manual_seed(1)
    if threads:
        torch.set_num_threads(threads)  # the same thread count as ganlite's run
    weights = load_safetensors(os.path.join(save_dir, "weights.safetensors"))
    io = load_safetensors(os.path.join(save_dir, "io.safetensors"))
    g = build(model, options)
    g.load_state_dict({k: v for k, v in weights.items() if not k.startswith("D.")})
    g = g.to(device).eval()
    conditional = model == "sngan_generator"
    run = (lambda net, x, y: net(x, y)) if conditional else (lambda net, x, y: net(x))
    x1 = io["input"].to(device)
    y1 = io["labels"].to(device) if conditional else None
    with torch.no_grad():
        diff = (run(g, x1, y1).cpu() - io["output"]).abs().max().item()
    res = {"threads": torch.get_num_threads(), "torch": torch.__version__,
           "max_abs_diff": diff, "infer": []}
    for b in batches:
        x = torch.randn(b, *x1.shape[1:], device=device)
        y = torch.randint(0, int(options.get("num_classes", 1)), (b,), device=device)
        with torch.no_grad():
            t = timed(lambda: run(g, x, y), runs, warmup, device)
        res["infer"].append({"batch": b, **t})
    if not d_model:
        return res
    d = build(d_model, d_options)
    d.load_state_dict({k[2:]: v for k, v in weights.items() if k.startswith("D.")})
    g.train()
    d = d.to(device).train()
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, (0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, (0.5, 0.999))
    z = torch.randn(train_batch, *x1.shape[1:], device=device)
    y = torch.randint(0, int(options.get("num_classes", 1)), (train_batch,), device=device)
    with torch.no_grad():
        real = torch.randn_like(run(g, z, y))
    mse = torch.nn.functional.mse_loss

    def step():
        fake = run(g, z, y)
        opt_d.zero_grad()
        on_real, on_fake = d(real), d(fake.detach())
        (0.5 * (mse(on_real, torch.ones_like(on_real)) +
                mse(on_fake, torch.zeros_like(on_fake)))).backward()
        opt_d.step()
        d.requires_grad_(False)
        opt_g.zero_grad()
        pred = d(fake)
        mse(pred, torch.ones_like(pred)).backward()
        opt_g.step()
        d.requires_grad_(True)

    res["train_step"] = {"batch": train_batch, **timed(step, runs, warmup, device)}
    return res


def bench_r1(d_model, d_options, shape, train_batch, runs, warmup, save_dir, device="cpu",
             threads=None):
    """D's step alone (LSGAN, Adam) on fixed real and fake batches of `shape` (C, H, W), without
    and with R1 (weight 5, every step), taking turns as ganlite's `bench model --r1` does."""
    torch.manual_seed(1)
    if threads:
        torch.set_num_threads(threads)
    weights = load_safetensors(os.path.join(save_dir, "weights.safetensors"))
    d = build(d_model, d_options)
    d.load_state_dict({k[2:]: v for k, v in weights.items() if k.startswith("D.")})
    d = d.to(device).train()
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, (0.5, 0.999))
    real = torch.randn(train_batch, *shape, device=device)
    fake = torch.randn(train_batch, *shape, device=device)
    mse = torch.nn.functional.mse_loss

    def step(r1):
        x = real.detach().requires_grad_(r1)
        opt_d.zero_grad()
        on_real, on_fake = d(x), d(fake)
        loss = mse(on_real, torch.ones_like(on_real)) + mse(on_fake, torch.zeros_like(on_fake))
        if r1:
            (g,) = torch.autograd.grad(on_real.sum(), x, create_graph=True)
            loss = loss + 5 * g.pow(2).sum(dim=(1, 2, 3)).mean()
        loss.backward()
        opt_d.step()

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for r1 in (False, True):
        for _ in range(warmup):
            step(r1)
    sync()
    ms = {False: [], True: []}
    for _ in range(runs):
        for r1 in (False, True):
            t0 = time.perf_counter()
            step(r1)
            sync()
            ms[r1].append((time.perf_counter() - t0) * 1e3)
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__}
    for r1, key in ((False, "d_step"), (True, "d_step_r1")):
        m = sorted(ms[r1])
        out[key] = {"batch": train_batch, "median_ms": statistics.median(m),
                    "p90_ms": m[min(len(m) - 1, int(0.9 * len(m)))]}
    out["r1_overhead"] = out["d_step_r1"]["median_ms"] / out["d_step"]["median_ms"]
    return out


if __name__ == "__main__":
    a = json.loads(sys.argv[1])
    print(json.dumps(bench(**a)))
