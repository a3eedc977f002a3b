"""Checkpoints: one file per step, written to a temporary name and renamed (a crash never leaves half a file);
the K newest are kept. They hold everything exact resume needs: weights, optimiser, step, RNG states, settings."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..weights import atomic_save

FORMAT = "daek-torch-checkpoint"
_NAME = re.compile(r"^step-(\d{9})\.pt$")


def checkpoint_path(run: Path, step: int) -> Path:
    return run / "checkpoints" / f"step-{step:09d}.pt"


def newest_checkpoint(run: Path) -> Path | None:
    folder = run / "checkpoints"
    found = sorted(p for p in folder.glob("step-*.pt") if _NAME.match(p.name)) if folder.is_dir() else []
    return found[-1] if found else None


def rng_state() -> dict[str, Any]:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def save_checkpoint(run: Path, step: int, payload: dict[str, Any], keep: int) -> Path:
    path = checkpoint_path(run, step)
    atomic_save({"format": FORMAT, "version": 1, "step": step, **payload}, path)
    for old in sorted(p for p in path.parent.glob("step-*.pt") if _NAME.match(p.name))[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path: Path) -> dict[str, Any]:
    data = torch.load(path, map_location="cpu")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a daek-torch-train checkpoint.")
    return data
