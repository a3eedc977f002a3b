#!/usr/bin/env python3
"""Write the parity fixture of src/flow_search.ts from the Python reference (`refine` in
training/scripts/refine_probe.py): a smooth texture seen from both sides of a smooth motion, a start flow off by a
smooth error of about a pixel, and the searched flow for steps 1, 0.5, 0.25 and windows 5 and 9. A second case adds a
start `flow_far` (the start flow 3 pixels further off on the left half), a second start `flow2` (close on the left
half, 3 pixels off on the right) and a prior of 0.02: `refined_w9_starts` = refine(img0, img1, flow_far, steps, 9,
[flow2], 0.02).

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
PRIOR = 0.02


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
    # The case with two starts: `flow_far` misses by 3 more pixels on the left half (beyond the search's reach),
    # `flow2` is close there and 3 pixels off on the right half, so each pixel has one good start.
    left = (torch.arange(WIDTH) < WIDTH // 2).view(1, 1, 1, WIDTH).to(flow.dtype)
    far = torch.tensor([3.0, -2.0, -3.0, 2.0]).view(1, 4, 1, 1)
    flow_far = flow + left * far
    flow2 = truth + smooth(generator, 4, (3, 4), 0.3) + (1 - left) * far
    entries = [save("img0", img0), save("img1", img1), save("flow", flow), save("flow_far", flow_far), save("flow2", flow2)]
    outputs = []
    # Mean |flow - truth| before and after, a sanity note (the truth itself is not stored: size).
    errors = {"start": float((flow - truth).abs().mean())}
    with torch.no_grad():
        for window in WINDOWS:
            refined = refine(img0, img1, flow, STEPS, window)
            outputs.append(save(f"refined_w{window}", refined))
            errors[f"refined_w{window}"] = float((refined - truth).abs().mean())
        errors["start_far"] = float((flow_far - truth).abs().mean())
        errors["start2"] = float((flow2 - truth).abs().mean())
        refined = refine(img0, img1, flow_far, STEPS, 9, [flow2], PRIOR)
        outputs.append(save("refined_w9_starts", refined))
        errors["refined_w9_starts"] = float((refined - truth).abs().mean())
    case = {
        "name": "flow_search",
        "reference": {"file": "training/scripts/refine_probe.py", "symbol": "refine",
                      "script": "packages/models/scripts/flow_search_fixture.py"},
        "description": "NCHW float32. refined_wN = refine(img0, img1, flow, steps, N): a coarse-to-fine symmetric 3x3 "
                       "offset search per pixel with a window-averaged L1 cost (avg_pool2d, count_include_pad=False). "
                       "refined_w9_starts = refine(img0, img1, flow_far, steps, 9, [flow2], prior): each pixel starts "
                       "from the cheaper of flow_far and flow2, and every candidate's cost gains prior * mean |f - start|.",
        "params": {"B": 1, "H": HEIGHT, "W": WIDTH, "steps": STEPS, "windows": WINDOWS, "prior": PRIOR,
                   "torch": torch.__version__},
        "mean_abs_flow_error": errors,
        "inputs": entries,
        "outputs": outputs,
    }
    (OUT / "case.json").write_text(json.dumps(case, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    sys.exit(main())
