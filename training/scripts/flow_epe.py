#!/usr/bin/env python3
"""How well a model's flow matches the exact flow of synthetic scenes: the mean end-point error (EPE, pixels) of
each stage's F_t->0 and F_t->1 against the flow_t0.flo / flow_t1.flo that `daek-data export ... synthetic` writes,
and the float PSNR of the output. Full frames, no augmentation.

Usage: /usr/bin/python3 training/scripts/flow_epe.py DATA_DIR WEIGHTS.pth [WEIGHTS.pth ...] [--threads 2]
(DATA_DIR: an exported synthetic set; use a seed and textures the run did not train on.)
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.train.data import folder_triplets, read_flow, read_image  # noqa: E402
from daek_torch.weights import load_into  # noqa: E402


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float32)).permute(2, 0, 1)[None]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("weights", type=Path, nargs="+")
    parser.add_argument("--preset", default="daek-s")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    triplets = [t for t in folder_triplets(args.data) if t.flows is not None]
    if not triplets:
        print(f"flow_epe: no triplet with flow_t0.flo / flow_t1.flo below {args.data}", file=sys.stderr)
        return 2
    print(f"{len(triplets)} triplets; mean |true flow| per side, then per model: EPE after stages 1/2/3, output PSNR")
    magnitude = []
    for t in triplets:
        g = torch.cat([_tensor(read_flow(p)) for p in t.flows or ()], 1)
        magnitude.append(0.5 * (g[:, 0:2].norm(dim=1).mean() + g[:, 2:4].norm(dim=1).mean()).item())
    print(f"  true flow: {np.mean(magnitude):.2f} px")
    for weights in args.weights:
        model = create_model(args.preset)
        load_into(model, torch.load(weights, map_location="cpu"), source=str(weights))
        model.eval()
        epe, psnr = [], []
        with torch.no_grad():
            for t in triplets:
                f0, gt, f1 = (_tensor(read_image(p)) / 255 for p in (t.frame0, t.gt, t.frame1))
                g = torch.cat([_tensor(read_flow(p)) for p in t.flows or ()], 1)
                out = model(f0, f1)
                epe.append([0.5 * ((f - g)[:, 0:2].norm(dim=1).mean() + (f - g)[:, 2:4].norm(dim=1).mean()).item()
                            for f in out.flows])
                mse = ((out.output - gt) ** 2).mean().item()
                psnr.append(-10 * math.log10(max(mse, 1e-10)))
        e = np.mean(epe, 0)
        print(f"  {weights}: EPE {e[0]:.3f} / {e[1]:.3f} / {e[2]:.3f} px, PSNR {np.mean(psnr):.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
