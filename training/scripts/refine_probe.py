#!/usr/bin/env python3
"""Would a local search around the network's flow help? A test-time experiment, not part of the DAEK spec: after the
network runs, each pixel's last flow pair (F_t->0, F_t->1) is moved by a symmetric offset d (F_t->0 + d,
F_t->1 - d: linear motion through the middle frame), chosen among a 3x3 grid of offsets to minimise the mean
absolute difference of the two warped frames over a WINxWIN window; the grid step shrinks over --steps (pixels).
The blend uses the network's own mask and residual. This is what `minterpolate`'s bidirectional block search does
from a zero start; here it starts from the network's flow. Scores are PSNR on the uint8 output and IE (0-255), as
daek-bench scores them.

Usage: /usr/bin/python3 training/scripts/refine_probe.py WEIGHTS DIR [DIR ...] [--steps 1,0.5,0.25] [--window 13]
    [--prior 0.02] [--coarse-start 0.5]
The defaults are the engines' (@daek/models DEFAULT_FLOW_SEARCH): each pixel starts from the better of the network's
flow and the flow of a second pass on the frames scaled by --coarse-start (0: one pass), and every candidate's cost
gains --prior times its distance from that start.
WEIGHTS: a .pth (checkpoint_to_pth.py) or a tfjs model.json of daek-s. DIR: `daek-data export` output. Use it on
held-out clips only (training/holdout.json), never on a test set.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import Tensor  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.ops import warp  # noqa: E402
from daek_torch.train.run import load_init  # noqa: E402
from scale_probe import read, score_u8, triplets  # noqa: E402


def window_cost(a: Tensor, b: Tensor, flow: Tensor, window: int) -> Tensor:
    """The channel-summed |warp(a, f0) - warp(b, f1)|, averaged over a window of in-image pixels."""
    cost = (warp(a, flow[:, :2]) - warp(b, flow[:, 2:])).abs().sum(1, keepdim=True)
    return F.avg_pool2d(cost, window, 1, window // 2, count_include_pad=False)


def pick_start(a: Tensor, b: Tensor, starts: list[Tensor], window: int) -> Tensor:
    """Per pixel, the first flow of `starts` with the least window cost (a later one must be strictly lower)."""
    best, chosen = window_cost(a, b, starts[0], window), starts[0]
    for f in starts[1:]:
        cost = window_cost(a, b, f, window)
        better = cost < best
        best, chosen = torch.where(better, cost, best), torch.where(better, f, chosen)
    return chosen


def refine(a: Tensor, b: Tensor, flow: Tensor, steps: list[float], window: int, starts: list[Tensor] | None = None,
           prior: float = 0.0) -> Tensor:
    """The flow pair after a coarse-to-fine symmetric 3x3 offset search per pixel (window-averaged L1 cost).

    `starts`: other start flows (the network's flow at a coarser scale, brought to full size); each pixel starts from
    whichever of `flow` and `starts` has the least cost. `prior`: each candidate's cost gets `prior` times its mean
    absolute distance (pixels, over the 4 channels) from that start, a pull toward the network's flow that keeps a
    repeating texture from matching a neighbouring period.
    """
    if starts:
        flow = pick_start(a, b, [flow, *starts], window)
    start = flow
    for step in steps:
        best: Tensor | None = None
        chosen = flow
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                d = torch.tensor([dx * step, dy * step, -dx * step, -dy * step], dtype=flow.dtype).view(1, 4, 1, 1)
                f = flow + d
                cost = window_cost(a, b, f, window)
                if prior:
                    cost = cost + prior * (f - start).abs().mean(1, keepdim=True)
                if best is None:
                    best, chosen = cost, f
                else:
                    better = cost < best
                    best = torch.where(better, cost, best)
                    chosen = torch.where(better, f, chosen)
        flow = chosen
    return flow


def js_round(x: float) -> int:
    """Math.round of JavaScript (halves up), as the engines round the coarse size."""
    return math.floor(x + 0.5)


def pad_centred(x: Tensor, multiple: int = 32, min_size: int = 128) -> tuple[Tensor, tuple[int, int, int, int]]:
    """flow-ops padToMultiple: replicate padding to a multiple (at least min_size), split before/after."""
    h, w = x.shape[-2:]
    th, tw = (math.ceil(max(n, min_size) / multiple) * multiple for n in (h, w))
    top, left = (th - h) // 2, (tw - w) // 2
    return F.pad(x, (left, tw - w - left, top, th - h - top), mode="replicate"), (top, left, h, w)


def coarse_start_flow(model: torch.nn.Module, a: Tensor, b: Tensor, scale: float) -> Tensor:
    """The engines' coarseStartFlow (@daek/models coarse_start.ts): the network's last flow for the pair resized by
    `scale` (bilinear, half-pixel centres), padded, cropped, resized back to full size and scaled by the size ratio."""
    h, w = a.shape[-2:]
    lh, lw = max(1, js_round(h * scale)), max(1, js_round(w * scale))
    sa, (top, left, _, _) = pad_centred(F.interpolate(a, size=(lh, lw), mode="bilinear", align_corners=False))
    sb, _ = pad_centred(F.interpolate(b, size=(lh, lw), mode="bilinear", align_corners=False))
    flow = model(sa, sb).flows[-1][..., top:top + lh, left:left + lw]
    ratio = torch.tensor([w / lw, h / lh, w / lw, h / lh], dtype=flow.dtype).view(1, 4, 1, 1)
    return F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False) * ratio


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--steps", default="1,0.5,0.25", help="search grid steps in pixels, coarse to fine")
    parser.add_argument("--window", type=int, default=13, help="odd window of the matching cost (13: refine_sweep.py)")
    parser.add_argument("--prior", type=float, default=0.02, help="pull toward the start flow per pixel of distance (0: off)")
    parser.add_argument("--coarse-start", type=float, default=0.5,
                        help="scale of the second network pass whose flow is a second start (0: one pass)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not 0 <= args.coarse_start < 1:
        parser.error(f"--coarse-start {args.coarse_start}: expected a scale in (0, 1), or 0 for one pass")
    if args.window < 1 or args.window % 2 == 0:
        parser.error(f"--window {args.window}: expected an odd size >= 1")
    steps = [float(s) for s in args.steps.split(",")]
    torch.set_num_threads(args.threads)
    model = create_model("daek-s")
    load_init(model, args.weights)
    model.eval()
    sums = {"model": [0.0, 0.0], "refined": [0.0, 0.0]}
    count = 0
    with torch.no_grad():
        for root in args.dirs:
            for folder in triplets(root):
                a, gt, b = (read(folder / f"im{i}.png") for i in (1, 2, 3))
                h, w = a.shape[-2:]
                # Padded as the engines pad (centred), so the coarse pass sees the frames the engines' does.
                pa, (top, left, _, _) = pad_centred(a)
                pb, _ = pad_centred(b)
                out = model(pa, pb)
                mask = torch.sigmoid(out.mask_logit)
                residual = out.output - out.blends[-1]
                starts = [coarse_start_flow(model, pa, pb, args.coarse_start)] if args.coarse_start else []
                flow = refine(pa, pb, out.flows[-1], steps, args.window, starts, args.prior)
                refined = torch.clamp(warp(pa, flow[:, :2]) * mask + warp(pb, flow[:, 2:]) * (1 - mask) + residual, 0, 1)
                truth = (gt * 255).round()
                row = []
                for name, y in (("model", out.output), ("refined", refined)):
                    psnr, ie = score_u8(y[..., top:top + h, left:left + w], truth)
                    sums[name][0] += psnr
                    sums[name][1] += ie
                    row.append(f"{psnr:6.2f}/{ie:5.2f}")
                count += 1
                print(f"{folder.relative_to(root.parent)} {w}x{h}: " + "  ".join(row), flush=True)
    for name, (p, i) in sums.items():
        print(f"{name}: {count} triplets, PSNR {p / count:.3f} dB, IE {i / count:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
