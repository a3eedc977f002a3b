#!/usr/bin/env python3
"""Does estimating motion at a lower resolution help on large frames? Scores weights on Vimeo-layout triplet
folders at full resolution and at each --scale: the network runs on the bilinearly downscaled pair, and its last
flow, blend-mask logit and synthesis residual are upsampled to warp and blend the full-resolution frames (what
`daek-interp --scale` does). PSNR on the uint8 output and IE (0-255), as daek-bench scores them.

Usage: /usr/bin/python3 training/scripts/scale_probe.py WEIGHTS DIR [DIR ...] [--scales 1,0.5] [--threads 2]
WEIGHTS: a .pth (checkpoint_to_pth.py) or a tfjs model.json of daek-s. DIR: `daek-data export` output. Use it on
held-out clips only (training/holdout.json), never on a test set.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from torch import Tensor  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.model import DAEK  # noqa: E402
from daek_torch.ops import warp  # noqa: E402
from daek_torch.train.run import load_init  # noqa: E402


def read(path: Path) -> Tensor:
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


def pad32(x: Tensor) -> tuple[Tensor, int, int]:
    h, w = x.shape[-2:]
    ph, pw = max(128, math.ceil(h / 32) * 32), max(128, math.ceil(w / 32) * 32)
    return F.pad(x, (0, pw - w, 0, ph - h), mode="replicate"), h, w


def resize(x: Tensor, h: int, w: int) -> Tensor:
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)


def middle(model: DAEK, a: Tensor, b: Tensor, scale: float) -> Tensor:
    """The float output in [0, 1] with motion estimated at `scale` of the resolution."""
    h, w = a.shape[-2:]
    if scale == 1:
        pa, _, _ = pad32(a)
        pb, _, _ = pad32(b)
        return model(pa, pb).output[..., :h, :w]
    lh, lw = max(1, round(h * scale)), max(1, round(w * scale))
    pa, _, _ = pad32(resize(a, lh, lw))
    pb, _, _ = pad32(resize(b, lh, lw))
    out = model(pa, pb)
    flow = out.flows[-1][..., :lh, :lw]
    logit = out.mask_logit[..., :lh, :lw]
    residual = (out.output - out.blends[-1])[..., :lh, :lw]
    ratio = torch.tensor([w / lw, h / lh, w / lw, h / lh]).view(1, 4, 1, 1)
    flow = resize(flow, h, w) * ratio
    mask = torch.sigmoid(resize(logit, h, w))
    blend = warp(a, flow[:, :2]) * mask + warp(b, flow[:, 2:]) * (1 - mask)
    return torch.clamp(blend + resize(residual, h, w), 0, 1)


def score_u8(pred: Tensor, truth: Tensor) -> tuple[float, float]:
    """PSNR (dB) and IE of a float prediction in [0, 1] rounded to uint8 levels, against 0-255 ``truth``."""
    q = (pred * 255).round()
    psnr = 10 * math.log10(255**2 / max(float(((q - truth) ** 2).mean()), 1e-10))
    return psnr, float((q - truth).abs().mean())


def triplets(root: Path) -> list[Path]:
    lines = (root / "tri_trainlist.txt").read_text().split() + (root / "tri_testlist.txt").read_text().split()
    return [root / "sequences" / line for line in lines]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--scales", default="1,0.5")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    scales = [float(s) for s in args.scales.split(",")]
    model = create_model("daek-s")
    load_init(model, args.weights)
    model.eval()
    sums = {s: [0.0, 0.0] for s in scales}
    count = 0
    with torch.no_grad():
        for root in args.dirs:
            for folder in triplets(root):
                a, gt, b = (read(folder / f"im{i}.png") for i in (1, 2, 3))
                truth = (gt * 255).round()
                row = []
                for s in scales:
                    psnr, ie = score_u8(middle(model, a, b, s), truth)
                    sums[s][0] += psnr
                    sums[s][1] += ie
                    row.append(f"{psnr:6.2f}/{ie:5.2f}")
                count += 1
                print(f"{folder.relative_to(root.parent)} {a.shape[-1]}x{a.shape[-2]}: " + "  ".join(row), flush=True)
    for s in scales:
        print(f"scale {s}: {count} triplets, PSNR {sums[s][0] / count:.3f} dB, IE {sums[s][1] / count:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
