#!/usr/bin/env python3
"""Write the parity fixture of src/flow_search.ts from the Python reference (`refine` in
training/scripts/refine_probe.py): a smooth texture seen from both sides of a smooth motion, a start flow off by a
smooth error of about a pixel, and the searched flow for steps 1, 0.5, 0.25 and windows 5 and 9.

Usage: /usr/bin/python3 packages/models/scripts/flow_search_fixture.py
Writes packages/models/test/fixtures/flow_search/ (NCHW float32 .npy files and case.json).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "training" / "scripts"))
sys.path.insert(0, str(ROOT / "packages" / "daek-torch" / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import Tensor  # noqa: E402

from daek_torch.ops import warp  # noqa: E402
from refine_probe import refine  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "test" / "fixtures" / "flow_search"
HEIGHT, WIDTH = 40, 56
STEPS = [1.0, 0.5, 0.25]
WINDOWS = [5, 9]


def smooth(generator: torch.Generator, channels: int, low: tuple[int, int], scale: float) -> Tensor:
    """Low-resolution uniform noise in [-scale, scale], upsampled bicubically: few exact cost ties."""
    noise = (torch.rand(1, channels, *low, generator=generator) * 2 - 1) * scale
    return F.interpolate(noise, size=(HEIGHT, WIDTH), mode="bicubic", align_corners=True)


def save(name: str, tensor: Tensor) -> dict[str, object]:
    array = tensor.detach().to(torch.float32).contiguous().numpy()
    np.save(OUT / f"{name}.npy", array)
    return {"name": name, "file": f"{name}.npy", "shape": list(array.shape)}


def main() -> int:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(20240611)
    texture = (smooth(generator, 3, (12, 16), 0.5) + 0.5).clamp(0, 1)
    motion = smooth(generator, 2, (3, 4), 2.5)
    # frame0 = texture at p + motion, frame1 at p - motion: the middle frame is the texture itself, so the true
    # flow pair is (-motion, +motion); the start flow misses it by a smooth error of about a pixel.
    img0 = warp(texture, motion)
    img1 = warp(texture, -motion)
    truth = torch.cat([-motion, motion], dim=1)
    flow = truth + smooth(generator, 4, (3, 4), 1.5)
    entries = [save("img0", img0), save("img1", img1), save("flow", flow)]
    outputs = []
    # Mean |flow - truth| before and after, a sanity note (the truth itself is not stored: size).
    errors = {"start": float((flow - truth).abs().mean())}
    with torch.no_grad():
        for window in WINDOWS:
            refined = refine(img0, img1, flow, STEPS, window)
            outputs.append(save(f"refined_w{window}", refined))
            errors[f"refined_w{window}"] = float((refined - truth).abs().mean())
    case = {
        "name": "flow_search",
        "reference": {"file": "training/scripts/refine_probe.py", "symbol": "refine",
                      "script": "packages/models/scripts/flow_search_fixture.py"},
        "description": "NCHW float32. refined_wN = refine(img0, img1, flow, steps, N): a coarse-to-fine symmetric 3x3 "
                       "offset search per pixel with a window-averaged L1 cost (avg_pool2d, count_include_pad=False).",
        "params": {"B": 1, "H": HEIGHT, "W": WIDTH, "steps": STEPS, "windows": WINDOWS, "torch": torch.__version__},
        "mean_abs_flow_error": errors,
        "inputs": entries,
        "outputs": outputs,
    }
    (OUT / "case.json").write_text(json.dumps(case, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    sys.exit(main())
