"""What a run writes besides checkpoints: the JSONL log and the loss / validation-PSNR plots (atomic writes)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class JsonlLog:
    """Appends one JSON object per line (``type`` = event | train | val), flushed per line. On resume the lines
    after the checkpoint's step are dropped, so the log is that of an uninterrupted run."""

    def __init__(self, path: Path, resume_step: int | None = None) -> None:
        self.path = path
        if resume_step is not None and path.is_file():
            kept = [ln for ln in path.read_text().splitlines() if ln.strip() and _step(ln) <= resume_step]
            atomic_write_text(path, "".join(f"{ln}\n" for ln in kept))

    def write(self, record: dict[str, Any]) -> None:
        record = {**record, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")

    def records(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(ln) for ln in self.path.read_text().splitlines() if ln.strip()]


def _step(line: str) -> int:
    try:
        return int(json.loads(line).get("step", 0))
    except (ValueError, AttributeError):
        return 0


def plot(log: JsonlLog, out: Path) -> None:
    """loss.png (total and its terms per logged step) and val_psnr.png, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs = log.records()
    train = [r for r in recs if r.get("type") == "train"]
    val = [r for r in recs if r.get("type") == "val"]
    for name, rows, keys, ylabel in (("loss.png", train, ("loss", "rec", "rec_teacher", "distill"), "loss"),
                                     ("val_psnr.png", val, ("psnr",), "PSNR (dB)")):
        fig, ax = plt.subplots(figsize=(7, 4))
        for key in keys:
            pts = [(r["step"], r[key]) for r in rows if r.get(key) is not None]
            if pts:
                ax.plot(*zip(*pts), label=key)
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
        if name == "loss.png" and train:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        tmp = out / f".{name}.tmp.png"
        fig.savefig(tmp, dpi=100)
        plt.close(fig)
        os.replace(tmp, out / name)
