"""PyTorch twin of simplevla-ts's VLA (models/vla.ts), for the `model` benchmark's GPU comparison.

Same architecture and sizes as the tfjs model's presets: 16x16 patches of a 128x128 RGB image through one
linear map + learned positions, instruction embeddings + positions, 56 learned action-slot queries; a
bidirectional pre-LN transformer (LN, multi-head attention with a text-pad key mask, residual; LN, GELU MLP,
residual); a final LN on the slot rows and a head of 256 logits per slot. A training step is the same as
the tfjs benchmark's: forward, mean cross-entropy on the 56 tokens, backward, global-norm clipping at 1 and
AdamW (lr 1e-4, weight decay 0.01). fp32 throughout, TF32 off (tfjs-webgpu computes in fp32).

usage: python3 vla_twin.py --preset base --batches 8,32,128 [--steps 20]
Prints one JSON line per (preset, batch): forward ms and training-step ms (mean after warm-up, synchronized).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "small": dict(image=128, patch=16, width=192, depth=4, heads=3, mlp=4, text=32, vocab=512),
    "base": dict(image=128, patch=16, width=256, depth=4, heads=4, mlp=4, text=32, vocab=512),
}
SLOTS, BINS = 56, 256


class Block(nn.Module):
    def __init__(self, d: int, h: int, mlp: int):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, mlp * d)
        self.fc2 = nn.Linear(mlp * d, d)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))  # [B, H, T, Dh]
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=key_bias[:, None, None, :])
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class VlaTwin(nn.Module):
    def __init__(self, c: dict):
        super().__init__()
        self.c = c
        d, p = c["width"], (c["image"] // c["patch"]) ** 2
        self.patch = nn.Linear(c["patch"] ** 2 * 3, d)
        self.patch_pos = nn.Parameter(torch.randn(p, d) * 0.02)
        self.embed = nn.Embedding(c["vocab"], d)
        self.text_pos = nn.Parameter(torch.randn(c["text"], d) * 0.02)
        self.slots = nn.Parameter(torch.randn(SLOTS, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, c["heads"], c["mlp"]) for _ in range(c["depth"]))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, BINS)

    def forward(self, images: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        b, s, ps = images.shape[0], self.c["image"], self.c["patch"]
        images = images * 2 - 1  # [0, 1] -> [-1, 1], as the tfjs model
        patches = images.view(b, s // ps, ps, s // ps, ps * 3).transpose(2, 3).reshape(b, -1, ps * ps * 3)
        x = torch.cat([self.patch(patches) + self.patch_pos, self.embed(text) + self.text_pos[: text.shape[1]], self.slots.expand(b, -1, -1)], 1)
        pad = (text == 0).float() * -1e9
        key_bias = torch.cat([torch.zeros(b, patches.shape[1], device=x.device), pad, torch.zeros(b, SLOTS, device=x.device)], 1)
        for blk in self.blocks:
            x = blk(x, key_bias)
        return self.head(self.ln(x[:, -SLOTS:]))  # [B, 56, 256]


def timed(fn, steps: int) -> float:
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="base")
    ap.add_argument("--batches", default="8,32,128")
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = "cuda"
    c = PRESETS[a.preset]
    model = VlaTwin(c).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    params = sum(p.numel() for p in model.parameters())
    for b in map(int, a.batches.split(",")):
        images = torch.rand(b, c["image"], c["image"], 3, device=dev)
        text = torch.randint(1, c["vocab"], (b, c["text"]), device=dev)
        text[:, 12:] = 0
        targets = torch.randint(0, BINS, (b, SLOTS), device=dev)

        def forward() -> None:
            with torch.no_grad():
                model(images, text)

        def train() -> None:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(images, text).reshape(-1, BINS), targets.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

        print(json.dumps({"preset": a.preset, "params": params, "batch": b, "forward_ms": timed(forward, a.steps), "train_ms": timed(train, a.steps), "gpu": torch.cuda.get_device_name()}))


if __name__ == "__main__":
    main()
