#!/usr/bin/env python3
"""Probe a checkpoint on pure translations: how much of a known motion each stage of the network recovers.

frame0 and frame1 are two crops of one image, `dx, dy` pixels apart; the ground truth is the crop halfway between
(even shifts only, so it is exact). A network that finds the motion interpolates such a pair almost perfectly. The
table gives, per shift, the mean x/y flow (middle frame -> frame0; the truth is half the shift) after each motion
estimation block (MEB) and after each refinement block (MRB), and the PSNR of the output and of frame averaging,
away from a 32-pixel border. It is a diagnostic for training, not a benchmark: the test sets are daek-bench's.

Usage: /usr/bin/python3 training/scripts/probe_translation.py RUN_DIR [--step N] [--image PNG] [--shipped]
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packages" / "daek-torch" / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import Tensor  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.train.checkpoint import checkpoint_path, load_checkpoint, newest_checkpoint  # noqa: E402
from daek_torch.train.settings import load_settings  # noqa: E402

# Even shifts only: the ground truth is then a crop of the image, not an interpolation of it.
SHIFTS = [(2, 0), (-2, 0), (0, 2), (2, 2), (4, 0), (4, 2), (8, 4), (16, 8), (-12, 6), (32, 0)]
SIZE = (192, 320)  # H, W: multiples of 32, well inside the default image
BORDER = 32


def _psnr(a: Tensor, b: Tensor) -> float:
    c = slice(BORDER, -BORDER)
    return -10 * math.log10(max((a[..., c, c] - b[..., c, c]).pow(2).mean().item(), 1e-10))


def _mean_flow(flow: Tensor) -> tuple[float, float]:
    c = slice(BORDER, -BORDER)
    return flow[0, 0, c, c].mean().item(), flow[0, 1, c, c].mean().item()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, nargs="?", help="a daek-torch-train run folder (its newest checkpoint)")
    parser.add_argument("--step", type=int, default=None, help="the checkpoint of this step instead")
    parser.add_argument("--shipped", action="store_true", help="probe the shipped daek-s instead of a run")
    parser.add_argument("--image", type=Path, default=ROOT / "examples" / "frames" / "frame0.png")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.shipped:
        model, name = create_model("daek-s", pretrained=True), "shipped daek-s"
    elif args.run is None:
        parser.error("give a run folder or --shipped")
    else:
        path = checkpoint_path(args.run, args.step) if args.step is not None else newest_checkpoint(args.run)
        if path is None or not path.exists():
            print(f"probe_translation: no checkpoint in {args.run / 'checkpoints'}", file=sys.stderr)
            return 2
        model, name = create_model(load_settings(args.run).preset), path.name
        model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    image = np.asarray(Image.open(args.image).convert("RGB"), dtype=np.float32) / 255
    h, w = SIZE
    margin = max(max(abs(dx), abs(dy)) for dx, dy in SHIFTS)
    if image.shape[0] < h + 2 * margin or image.shape[1] < w + 2 * margin:
        print(f"probe_translation: {args.image} is {image.shape[1]}x{image.shape[0]}; it needs at least "
              f"{w + 2 * margin}x{h + 2 * margin} for the shifts", file=sys.stderr)
        return 2
    stages: list[tuple[str, Tensor]] = []
    for k, block in enumerate([model.block0, model.block1, model.block2]):
        block.register_forward_hook(lambda _m, _i, out, k=k: stages.append((f"MEB{k}", out[0])))
    if model.mrb is not None:
        for k, mrb in enumerate(model.mrb):
            mrb.register_forward_hook(lambda _m, _i, out, k=k: stages.append((f"MRB{k}", out[0])))

    def crop(dx: int, dy: int) -> Tensor:
        y, x = margin + dy, margin + dx
        return torch.from_numpy(np.ascontiguousarray(image[y:y + h, x:x + w])).permute(2, 0, 1)[None]

    print(f"{name} on {args.image.name}: mean flow (x, y) to frame0 after each block; the truth is half the shift")
    for dx, dy in SHIFTS:
        f0, gt, f1 = crop(-dx // 2, -dy // 2), crop(0, 0), crop(dx // 2, dy // 2)
        stages.clear()
        with torch.no_grad():
            out = model(f0, f1)
        # A MEB after the first returns a flow *update*: add the running flow, as the network does.
        running: Tensor | None = None
        cells = []
        for label, flow in stages:
            if label.startswith("MEB") and running is not None:
                flow = running + flow
            running = flow
            fx, fy = _mean_flow(flow)
            cells.append(f"{label} {fx:+.2f},{fy:+.2f}")
        print(f"shift {dx:+3d},{dy:+3d} truth {dx / 2:+.2f},{dy / 2:+.2f} | " + " | ".join(cells) +
              f" | PSNR {_psnr(out.output, gt):.2f} (averaging {_psnr((f0 + f1) / 2, gt):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
