#!/usr/bin/env python3
"""Where does the interpolation error come from? Splits each method's IE (mean absolute error, 0-255) and squared
error by how much the pixel changes between the two input frames (max over channels of |frame0 - frame1|): static
pixels, small, medium and large change. Methods: the weights given; the same without the synthesis residual
(warp-and-blend only); the same with its last flow re-applied through bicubic and through nearest-pixel sampling
instead of bilinear; ffmpeg's `minterpolate` (daek-bench's lossless pipeline and default options); frame
averaging. Every output is rounded to uint8, as daek-bench scores it.

Usage: /usr/bin/python3 training/scripts/error_probe.py WEIGHTS DIR [DIR ...] [--threads 2] [--limit N]
WEIGHTS: a .pth (checkpoint_to_pth.py) or a tfjs model.json of daek-s. DIR: `daek-data export` output. Use it on
held-out clips only (training/holdout.json), never on a test set.
"""
from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.train.run import load_init  # noqa: E402
from scale_probe import pad32, read, triplets  # noqa: E402

BINS = [(0, 2, "static (<=2)"), (3, 10, "small (3-10)"), (11, 40, "medium (11-40)"), (41, 255, "large (>40)")]


def minterpolate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ffmpeg minterpolate on [a, b, b] as planar G, B, R labelled yuv444p (no colour matrix), middle frame."""
    h, w, _ = a.shape

    def planes(x: np.ndarray) -> bytes:
        return np.ascontiguousarray(x[..., [1, 2, 0]].transpose(2, 0, 1)).tobytes()

    data = planes(a) + planes(b) + planes(b)
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt", "yuv444p",
            "-s", f"{w}x{h}", "-r", "1", "-i", "pipe:0", "-vf",
            "minterpolate=fps=2:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1:scd=none",
            "-f", "rawvideo", "-pix_fmt", "yuv444p", "pipe:1"]
    out = subprocess.run(args, input=data, capture_output=True, check=True).stdout
    n = h * w * 3
    if len(out) < 2 * n:
        raise RuntimeError(f"minterpolate returned {len(out)} bytes for {w}x{h}")
    gbr = np.frombuffer(out[n:2 * n], dtype=np.uint8).reshape(3, h, w).transpose(1, 2, 0)
    return gbr[..., [2, 0, 1]].astype(np.float64)


def resample(image: torch.Tensor, flow: torch.Tensor, mode: str) -> torch.Tensor:
    """daek_torch.ops.warp with another sampling kernel (bicubic, or nearest for whole-pixel motion)."""
    _, _, h, w = image.shape
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    grid = torch.stack([xs, ys], dim=2)[None]
    offset = torch.stack([flow[:, 0] / ((w - 1.0) / 2.0), flow[:, 1] / ((h - 1.0) / 2.0)], dim=3)
    return F.grid_sample(image, grid + offset, mode=mode, padding_mode="border", align_corners=True)


def rewarp(a: torch.Tensor, b: torch.Tensor, out: object, mode: str) -> torch.Tensor:
    """The model's output with its last flow and mask re-applied through `mode` sampling, same residual."""
    flow, logit = out.flows[-1], out.mask_logit  # type: ignore[attr-defined]
    residual = out.output - out.blends[-1]  # type: ignore[attr-defined]
    mask = torch.sigmoid(logit)
    blend = resample(a, flow[:, :2], mode) * mask + resample(b, flow[:, 2:], mode) * (1 - mask)
    return torch.clamp(blend + residual, 0, 1)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="at most this many triplets per folder (0: all)")
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        print("error_probe: ffmpeg is not on PATH; install it (apt-get install ffmpeg)", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    model = create_model("daek-s")
    load_init(model, args.weights)
    model.eval()
    names = ["model", "model, no residual", "model, bicubic warp", "model, nearest warp", "minterpolate", "average"]
    abs_sum = {m: np.zeros(len(BINS)) for m in names}
    sq_sum = {m: np.zeros(len(BINS)) for m in names}
    psnr_sum = {m: 0.0 for m in names}
    ie_sum = {m: 0.0 for m in names}
    mask_dev = [0.0, 0.0]  # mean and max of |mask - 0.5|: how far the learnt blend is from a plain average
    pixels = np.zeros(len(BINS))
    total = 0
    count = 0
    with torch.no_grad():
        for root in args.dirs:
            folders = triplets(root)
            if args.limit:
                folders = folders[: args.limit]
            for folder in folders:
                a, gt, b = (read(folder / f"im{i}.png") for i in (1, 2, 3))
                h, w = a.shape[-2:]
                pa, _, _ = pad32(a)
                pb, _, _ = pad32(b)
                out = model(pa, pb)
                dev = (torch.sigmoid(out.mask_logit[..., :h, :w]) - 0.5).abs()
                mask_dev[0] += float(dev.mean())
                mask_dev[1] = max(mask_dev[1], float(dev.max()))

                def u8(x: torch.Tensor) -> np.ndarray:
                    y = torch.clamp(x[0, :, :h, :w], 0, 1).permute(1, 2, 0).numpy()
                    return np.round(y * 255).astype(np.float64)

                a8, b8, g8 = (np.round(x[0].permute(1, 2, 0).numpy() * 255) for x in (a, b, gt))
                outputs = {
                    "model": u8(out.output),
                    "model, no residual": u8(out.blends[-1]),
                    "model, bicubic warp": u8(rewarp(pa, pb, out, "bicubic")),
                    "model, nearest warp": u8(rewarp(pa, pb, out, "nearest")),
                    "minterpolate": minterpolate(a8.astype(np.uint8), b8.astype(np.uint8)),
                    "average": np.floor((a8 + b8 + 1) / 2),
                }
                change = np.abs(a8 - b8).max(axis=2)
                masks = [(change >= lo) & (change <= hi) for lo, hi, _ in BINS]
                for i, m in enumerate(masks):
                    pixels[i] += m.sum()
                total += h * w
                row = []
                for name, y in outputs.items():
                    err = np.abs(y - g8).mean(axis=2)
                    sq = ((y - g8) ** 2).mean(axis=2)
                    for i, m in enumerate(masks):
                        abs_sum[name][i] += err[m].sum()
                        sq_sum[name][i] += sq[m].sum()
                    mse = float(sq.mean())
                    psnr = 10 * math.log10(255**2 / max(mse, 1e-10))
                    psnr_sum[name] += psnr
                    ie_sum[name] += float(err.mean())
                    row.append(f"{psnr:6.2f}/{err.mean():5.2f}")
                count += 1
                print(f"{folder.relative_to(root.parent)} {w}x{h}: " + "  ".join(row), flush=True)
    print(f"\n{count} triplets; columns: {', '.join(names)} (PSNR dB / IE)")
    for name in names:
        print(f"{name:20s} PSNR {psnr_sum[name] / count:6.3f}  IE {ie_sum[name] / count:6.3f}")
    print(f"blend mask |m - 0.5|: mean {mask_dev[0] / count:.4f}, max {mask_dev[1]:.4f} (0.5 everywhere is a plain "
          "average of the two warped frames)")
    print("\nshare of pixels per change bin, then per method: IE contribution (abs error summed over the bin / all "
          "pixels), mean abs error inside the bin, RMSE inside the bin")
    for i, (_, _, label) in enumerate(BINS):
        print(f"\n{label}: {pixels[i] / total * 100:.1f}% of pixels")
        for name in names:
            n = max(pixels[i], 1)
            print(f"  {name:20s} contribution {abs_sum[name][i] / total:6.3f}  mean {abs_sum[name][i] / n:6.3f}  "
                  f"RMSE {math.sqrt(sq_sum[name][i] / n):7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
