#!/usr/bin/env python3
"""The scalelab trainer's model and training step, written independently in PyTorch.

Same model as trainer/model_layout.hpp and trainer/cpu/layers.hpp, tensor for tensor:
  llama: RMSNorm (eps 1e-5), RoPE (rotate-half, base 1e4, angles computed in double),
         causal attention scaled by 1/sqrt(head_dim), SwiGLU MLP (w1|w3, then w2), no
         biases, untied head unless --tied;
  gpt2:  LayerNorm (eps 1e-5) with biases, learned positions, GELU (tanh approximation),
         tied head unless --untied;
  loss:  mean cross-entropy over batch x T targets (targets are the inputs shifted by one);
  AdamW: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m_hat / (sqrt(v_hat) + eps)
         + wd p), decay only on matrices and embeddings; gradients scaled by
         min(1, clip / global L2 norm) first.

Two subcommands:

  check CASE_DIR [--device cpu|cuda] [--double]
      Reads what bench/torch_case_export wrote (case.json, params.bin, tokens.bin,
      grads.bin), recomputes the loss and every gradient tensor and the losses of the same
      AdamW steps, and compares them with the exporting backend's numbers: tight fp32
      tolerances when the case came from the CPU backend, the parity test's bf16 tolerances
      (tests/trainer_cuda/parity_test.cpp) when it came from the CUDA backend. Exit 0 when
      everything agrees, 1 otherwise, 2 for bad input.

  bench --arch ... --batch B --mode eager|compile [--warmup 3] [--steps 20]
        [--device cuda|cpu] [--threads K]
      Times full training steps the way a strong PyTorch user would run them and prints
      one JSON line: tokens_per_s, peak_memory_bytes, mode, device, torch version. On the
      GPU (default): bf16 autocast, fp32 master weights, scaled_dot_product_attention,
      fused AdamW, optionally torch.compile (bench/gpu_train_bench runs it). On the CPU
      (--device cpu): fp32 eager, torch.set_num_threads(K), the same step as our CPU
      backend's (bench/cpu_train_bench runs it); peak_memory_bytes is null there.

  peak [--threads K] [--n 1024] [--repeats 20]
      The fp32 ceiling of this CPU at K threads: GFLOP/s of an n x n x n torch.mm (the
      BLAS PyTorch links), the best of `repeats` timings; one JSON line {gflops_per_s}.

Needs PyTorch (torch.compile needs 2.0 or later) and, for bench on the GPU, a CUDA GPU.
"""

import argparse
import json
import math
import os
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # keeps `--help` and py_compile working without torch
    torch = None
    F = None

NORM_EPS = 1e-5
INIT_STD = 0.02


# ---- layout (trainer/model_layout.cpp) --------------------------------------------------

def default_head_dim(d_model):
    if d_model < 128:
        return 16
    if d_model < 256:
        return 32
    if d_model < 2048:
        return 64
    return 128


def default_d_ff(arch, d_model):
    if arch == "gpt2":
        return 4 * d_model
    multiple = 64 if d_model >= 256 else 16
    raw = (8 * d_model + 2) // 3  # ceil(8d/3)
    return (raw + multiple - 1) // multiple * multiple


def layout(shape):
    """[(name, rows, cols, weight_decay, init_std, init_value)] in flat-vector order."""
    V, T, d = shape["vocab_size"], shape["seq_len"], shape["d_model"]
    a = shape["n_head"] * shape["head_dim"]
    f, L = shape["d_ff"], shape["n_layer"]
    resid_std = INIT_STD / math.sqrt(2.0 * L)
    out = []

    def matrix(name, rows, cols, std=INIT_STD):
        out.append((name, rows, cols, True, std, 0.0))

    def norm_w(name, n):
        out.append((name, 1, n, False, 0.0, 1.0))

    def bias(name, n):
        out.append((name, 1, n, False, 0.0, 0.0))

    gpt2 = shape["arch"] == "gpt2"
    matrix("wte", V, d)
    if gpt2:
        matrix("wpe", T, d)
    for l in range(L):
        p = f"layers.{l}."
        if gpt2:
            norm_w(p + "ln1.w", d)
            bias(p + "ln1.b", d)
            matrix(p + "qkv.w", 3 * a, d)
            bias(p + "qkv.b", 3 * a)
            matrix(p + "proj.w", d, a, resid_std)
            bias(p + "proj.b", d)
            norm_w(p + "ln2.w", d)
            bias(p + "ln2.b", d)
            matrix(p + "fc.w", f, d)
            bias(p + "fc.b", f)
            matrix(p + "fc_proj.w", d, f, resid_std)
            bias(p + "fc_proj.b", d)
        else:
            norm_w(p + "attn_norm.w", d)
            matrix(p + "wq", a, d)
            matrix(p + "wk", a, d)
            matrix(p + "wv", a, d)
            matrix(p + "wo", d, a, resid_std)
            norm_w(p + "ffn_norm.w", d)
            matrix(p + "w1", f, d)
            matrix(p + "w3", f, d)
            matrix(p + "w2", d, f, resid_std)
    if gpt2:
        norm_w("lnf.w", d)
        bias("lnf.b", d)
    else:
        norm_w("norm_f.w", d)
    if not shape["tied_embeddings"]:
        matrix("head", V, d)
    return out


# ---- model ----------------------------------------------------------------------------

def rope_cos_sin(T, hd, device, dtype):
    half = hd // 2
    cos = [[math.cos(t * 10000.0 ** (-2.0 * i / hd)) for i in range(half)] for t in range(T)]
    sin = [[math.sin(t * 10000.0 ** (-2.0 * i / hd)) for i in range(half)] for t in range(T)]
    # float32 first, as the C++ table, then the compute dtype
    c = torch.tensor(cos, dtype=torch.float32).to(device=device, dtype=dtype)
    s = torch.tensor(sin, dtype=torch.float32).to(device=device, dtype=dtype)
    return c, s


def apply_rope(x, cos, sin):
    """x (B, H, T, hd): rotate pairs (i, i + hd/2) by t * base^(-2i/hd)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def rmsnorm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + NORM_EPS) * w


def explicit_causal_attention(q, k, v):
    T, hd = q.shape[-2], q.shape[-1]
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def fused_causal_attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def loss_fn(P, inputs, targets, shape, rope, attention):
    """Mean cross-entropy. P: name -> tensor; inputs, targets: (B, T) int64."""
    B, T = inputs.shape
    H, hd, d, f = shape["n_head"], shape["head_dim"], shape["d_model"], shape["d_ff"]
    a = H * hd
    llama = shape["arch"] == "llama"
    x = P["wte"][inputs]
    if not llama:
        x = x + P["wpe"][:T]
    for l in range(shape["n_layer"]):
        p = f"layers.{l}."
        if llama:
            h = rmsnorm(x, P[p + "attn_norm.w"])
            qkv = h @ torch.cat([P[p + "wq"], P[p + "wk"], P[p + "wv"]], 0).t()
        else:
            h = F.layer_norm(x, (d,), P[p + "ln1.w"], P[p + "ln1.b"], NORM_EPS)
            qkv = F.linear(h, P[p + "qkv.w"], P[p + "qkv.b"])
        q, k, v = (t.reshape(B, T, H, hd).transpose(1, 2) for t in qkv.split(a, dim=-1))
        if llama:
            cos, sin = rope
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        y = attention(q, k, v).transpose(1, 2).reshape(B, T, a)
        if llama:
            x = x + y @ P[p + "wo"].t()
            h = rmsnorm(x, P[p + "ffn_norm.w"])
            h1, h3 = (h @ torch.cat([P[p + "w1"], P[p + "w3"]], 0).t()).split(f, dim=-1)
            x = x + (F.silu(h1) * h3) @ P[p + "w2"].t()
        else:
            x = x + F.linear(y, P[p + "proj.w"], P[p + "proj.b"])
            h = F.layer_norm(x, (d,), P[p + "ln2.w"], P[p + "ln2.b"], NORM_EPS)
            h = F.gelu(F.linear(h, P[p + "fc.w"], P[p + "fc.b"]), approximate="tanh")
            x = x + F.linear(h, P[p + "fc_proj.w"], P[p + "fc_proj.b"])
    if llama:
        x = rmsnorm(x, P["norm_f.w"])
    else:
        x = F.layer_norm(x, (d,), P["lnf.w"], P["lnf.b"], NORM_EPS)
    head = P["wte"] if shape["tied_embeddings"] else P["head"]
    logits = x @ head.t()
    return F.cross_entropy(logits.float().reshape(B * T, -1), targets.reshape(B * T))


def split_params(flat, entries, device, dtype):
    P, offset = {}, 0
    for name, rows, cols, _, _, _ in entries:
        t = flat[offset:offset + rows * cols].reshape(rows, cols) if rows > 1 else \
            flat[offset:offset + cols]
        P[name] = t.to(device=device, dtype=dtype).clone().requires_grad_(True)
        offset += rows * cols
    return P


def flat_grads(P, entries):
    return torch.cat([P[name].grad.reshape(-1).double().cpu() for name, *_ in entries])


def adamw_step(P, entries, state, step, lr, grad_scale, o):
    """Our AdamWStep formula (trainer/backend.hpp), tensor by tensor."""
    bc1 = 1.0 - o["beta1"] ** step
    bc2 = 1.0 - o["beta2"] ** step
    with torch.no_grad():
        for name, _, _, decay, _, _ in entries:
            p = P[name]
            g = p.grad * grad_scale
            m, v = state.setdefault(name, (torch.zeros_like(p), torch.zeros_like(p)))
            m.mul_(o["beta1"]).add_((1 - o["beta1"]) * g)
            v.mul_(o["beta2"]).add_((1 - o["beta2"]) * g * g)
            update = (m / bc1) / (torch.sqrt(v / bc2) + o["eps"])
            if decay:
                update = update + o["weight_decay"] * p
            p.sub_(lr * update)


def global_grad_norm(P):
    return math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in P.values()))


# ---- check ----------------------------------------------------------------------------

def read_binary(path, dtype, count):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    t = torch.frombuffer(data, dtype=dtype)
    if t.numel() != count:
        raise ValueError(f"{path}: {t.numel()} values, expected {count}")
    return t.clone()


def check(args):
    case_dir = args.case_dir
    with open(os.path.join(case_dir, "case.json")) as f:
        case = json.load(f)
    shape, batch = case["shape"], case["batch"]
    entries = layout(shape)
    ours = [(t["name"], t["rows"], t["cols"], t["weight_decay"]) for t in case["tensors"]]
    mine = [(n, r, c, dcy) for n, r, c, dcy, _, _ in entries]
    if ours != mine:
        print("layout mismatch between case.json and this script's layout()", file=sys.stderr)
        return 1
    total = case["total"]
    T = shape["seq_len"]
    params = read_binary(os.path.join(case_dir, "params.bin"), torch.float32, total)
    tokens = read_binary(os.path.join(case_dir, "tokens.bin"), torch.int32, batch * (T + 1))
    grads_ours = read_binary(os.path.join(case_dir, "grads.bin"), torch.float32, total).double()

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float64 if args.double else torch.float32
    tokens = tokens.reshape(batch, T + 1).long().to(device)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    rope = rope_cos_sin(T, shape["head_dim"], device, dtype)
    P = split_params(params, entries, device, dtype)

    # Tolerances: the exporting backend in fp32 (the CPU reference) differs from PyTorch only
    # in summation order; the CUDA backend rounds GEMM operands to bf16 (parity_test.cpp).
    from_gpu = case["device"].startswith("cuda")
    loss_rtol, l2_rtol, elem_rtol, elem_atol_rel, step_rtol = \
        (5e-3, 3e-2, 5e-2, 5e-2, 1e-2) if from_gpu else (1e-5, 1e-4, 1e-3, 1e-3, 1e-4)

    loss = loss_fn(P, inputs, targets, shape, rope, explicit_causal_attention)
    loss.backward()
    ok = True
    loss_err = abs(float(loss) - case["loss"]) / abs(case["loss"])
    print(f"case {case_dir}: {case['device']}, arch {shape['arch']}, {total} parameters")
    print(f"loss: ours {case['loss']:.7f} torch {float(loss):.7f} rel.err {loss_err:.2e} "
          f"(tol {loss_rtol:.0e})")
    ok &= loss_err <= loss_rtol
    g_torch = flat_grads(P, entries)
    offset = 0
    print(f"{'tensor':24s} {'rel_l2':>10s} {'max_excess':>11s}")
    for name, rows, cols, _, _, _ in entries:
        n = rows * cols
        a, e = grads_ours[offset:offset + n], g_torch[offset:offset + n]
        offset += n
        ref = float(e.norm())
        rel = float((a - e).norm()) / ref if ref > 0 else float((a - e).norm())
        excess = float(((a - e).abs() - (elem_rtol * e.abs() + elem_atol_rel * e.abs().max()))
                       .max())
        good = rel <= l2_rtol and excess <= 0
        ok &= good
        print(f"{name:24s} {rel:10.2e} {excess:11.2e} {'ok' if good else 'FAIL'}")

    # The same AdamW steps on the same batch.
    step_losses = case.get("step_losses", [])
    state = {}
    for k, expected in enumerate(step_losses, start=1):
        if k > 1:
            for p in P.values():
                p.grad = None
            loss = loss_fn(P, inputs, targets, shape, rope, explicit_causal_attention)
            loss.backward()
        rel = abs(float(loss) - expected) / abs(expected)
        good = rel <= step_rtol
        ok &= good
        print(f"step {k}: loss ours {expected:.6f} torch {float(loss):.6f} rel.err {rel:.2e} "
              f"{'ok' if good else 'FAIL'}")
        norm = global_grad_norm(P)
        adamw_step(P, entries, state, k, case["lr"], min(1.0, case["clip"] / norm),
                   case["adamw"])
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


# ---- bench ----------------------------------------------------------------------------

def init_params(entries, device, seed=1):
    gen = torch.Generator(device="cpu").manual_seed(seed)
    P = {}
    for name, rows, cols, _, std, value in entries:
        size = (rows, cols) if rows > 1 else (cols,)
        t = torch.randn(size, generator=gen) * std if std > 0 else torch.full(size, value)
        P[name] = t.to(device).requires_grad_(True)
    return P


def set_cpu_threads(threads):
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (only allowed once, before any parallel work)
        pass


def peak(args):
    set_cpu_threads(args.threads)
    n = args.n
    a = torch.randn(n, n, dtype=torch.float32)
    b = torch.randn(n, n, dtype=torch.float32)
    c = torch.empty(n, n, dtype=torch.float32)
    for _ in range(3):
        torch.mm(a, b, out=c)
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"gflops_per_s": 2.0 * n ** 3 / best / 1e9, "n": n,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))
    return 0


def bench(args):
    on_cpu = args.device == "cpu"
    if not on_cpu and not torch.cuda.is_available():
        print("bench needs a CUDA GPU (or --device cpu)", file=sys.stderr)
        return 2
    if on_cpu:
        set_cpu_threads(args.threads)
    shape = {
        "arch": args.arch, "vocab_size": args.vocab, "seq_len": args.seq_len,
        "n_layer": args.n_layer, "d_model": args.d_model,
        "head_dim": args.head_dim or default_head_dim(args.d_model),
        "d_ff": args.d_ff or default_d_ff(args.arch, args.d_model),
        "tied_embeddings": args.arch == "gpt2" if args.tied is None else args.tied,
    }
    shape["n_head"] = args.n_head or max(1, args.d_model // shape["head_dim"])
    device = "cpu" if on_cpu else "cuda"
    entries = layout(shape)
    P = init_params(entries, device)
    decay = [P[n] for n, _, _, dcy, _, _ in entries if dcy]
    no_decay = [P[n] for n, _, _, dcy, _, _ in entries if not dcy]
    # torch.optim.AdamW applies p *= 1 - lr*wd before the Adam update: the same formula.
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    try:
        if on_cpu:  # fused AdamW is CUDA-only here; foreach is the CPU's fast path
            raise TypeError
        opt = torch.optim.AdamW(groups, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, fused=True)
    except (TypeError, RuntimeError):
        opt = torch.optim.AdamW(groups, lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
    attention = fused_causal_attention if hasattr(F, "scaled_dot_product_attention") \
        else explicit_causal_attention
    rope = rope_cos_sin(shape["seq_len"], shape["head_dim"], device, torch.float32)
    fn = loss_fn
    if args.mode == "compile":
        if not hasattr(torch, "compile"):
            print(f"torch {torch.__version__} has no torch.compile", file=sys.stderr)
            return 1
        fn = torch.compile(loss_fn)
    gen = torch.Generator(device="cpu").manual_seed(42)
    tokens = torch.randint(0, shape["vocab_size"], (args.batch, shape["seq_len"] + 1),
                           generator=gen).to(device)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]

    def step():
        if on_cpu:
            loss = fn(P, inputs, targets, shape, rope, attention)
        else:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = fn(P, inputs, targets, shape, rope, attention)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        # Our backend returns the loss and the norm to the host every step: so do we.
        return float(loss), float(norm)

    sync = (lambda: None) if on_cpu else torch.cuda.synchronize
    for _ in range(args.warmup):
        step()
    sync()
    if not on_cpu:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "mode": args.mode,
        "tokens_per_s": args.steps * args.batch * shape["seq_len"] / seconds,
        "peak_memory_bytes": None if on_cpu else torch.cuda.max_memory_allocated(),
        "device": f"cpu ({torch.get_num_threads()} threads)" if on_cpu
                  else torch.cuda.get_device_name(0),
        "torch": torch.__version__,
    }))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="compare with a case from bench/torch_case_export")
    c.add_argument("case_dir")
    c.add_argument("--device", choices=["cpu", "cuda"], default=None)
    c.add_argument("--double", action="store_true", help="compute in float64")
    b = sub.add_parser("bench", help="time PyTorch training steps (GPU, or --device cpu)")
    b.add_argument("--arch", choices=["llama", "gpt2"], default="llama")
    b.add_argument("--vocab", type=int, default=256)
    b.add_argument("--seq-len", type=int, default=256)
    b.add_argument("--n-layer", type=int, default=2)
    b.add_argument("--d-model", type=int, default=128)
    b.add_argument("--n-head", type=int, default=0)
    b.add_argument("--head-dim", type=int, default=0)
    b.add_argument("--d-ff", type=int, default=0)
    b.add_argument("--tied", dest="tied", action="store_true", default=None)
    b.add_argument("--untied", dest="tied", action="store_false")
    b.add_argument("--batch", type=int, default=16)
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--steps", type=int, default=20)
    b.add_argument("--mode", choices=["eager", "compile"], default="eager")
    b.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    b.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    k = sub.add_parser("peak", help="fp32 GEMM GFLOP/s of this CPU (the bench's ceiling)")
    k.add_argument("--threads", type=int, default=0)
    k.add_argument("--n", type=int, default=1024)
    k.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    if torch is None:
        print("torch_reference.py needs PyTorch (import torch failed)", file=sys.stderr)
        return 2
    try:
        return {"check": check, "bench": bench, "peak": peak}[args.command](args)
    except (OSError, ValueError, KeyError) as e:
        print(f"torch_reference.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
