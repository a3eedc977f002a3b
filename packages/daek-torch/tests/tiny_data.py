"""Tiny on-disk triplet sets for the trainer tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_flo(path: Path, flow: np.ndarray) -> None:
    """A Middlebury .flo file from a ``[H,W,2]`` flow."""
    h, w = flow.shape[:2]
    path.write_bytes(np.float32(202021.25).tobytes() + np.array([w, h], "<i4").tobytes()
                     + flow.astype("<f4").tobytes())


def write_triplets(root: Path, count: int = 8, size: tuple[int, int] = (80, 96), vimeo: bool = False,
                   flows: bool = False) -> Path:
    """``count`` smooth moving-pattern triplets, as triplet folders (frame0/gt/frame1) or the Vimeo layout. With
    ``flows`` each also gets its exact flow_t0.flo / flow_t1.flo (the pattern moves ``dx`` pixels per frame)."""
    rng = np.random.default_rng(0)
    h, w = size
    names = ("im1.png", "im2.png", "im3.png") if vimeo else ("frame0.png", "gt.png", "frame1.png")
    entries = []
    for i in range(count):
        base = rng.random((h // 8 + 4, w // 8 + 4, 3))
        big = np.kron(base, np.ones((8, 8, 1)))
        dx = int(rng.integers(1, 4))
        entry = f"{i // 4 + 1:05d}/{i % 4 + 1:04d}" if vimeo else f"t{i:03d}"
        folder = (root / "sequences" / entry) if vimeo else (root / entry)
        folder.mkdir(parents=True, exist_ok=True)
        for k, name in enumerate(names):
            frame = big[4: 4 + h, 4 + k * dx: 4 + k * dx + w]
            Image.fromarray((frame * 255).astype(np.uint8)).save(folder / name)
        if flows:
            # gt(x, y) = frame0(x + dx, y) = frame1(x - dx, y).
            write_flo(folder / "flow_t0.flo", np.broadcast_to(np.array([dx, 0], np.float32), (h, w, 2)))
            write_flo(folder / "flow_t1.flo", np.broadcast_to(np.array([-dx, 0], np.float32), (h, w, 2)))
        entries.append(entry)
    if vimeo:
        (root / "tri_trainlist.txt").write_text("\n".join(entries) + "\n")
        (root / "tri_testlist.txt").write_text("\n".join(entries[:2]) + "\n")
    return root
