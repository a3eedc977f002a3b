#!/usr/bin/env python3
"""The run's validation score (mean float PSNR on its held-out triplets, as daek-torch-train logs it) of one
checkpoint: the model selection number for a checkpoint the log did not score.

Usage: /usr/bin/python3 training/scripts/validate.py RUN_DIR [--step N] [--threads 2]
(default: the newest checkpoint in RUN_DIR/checkpoints).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import torch  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.train.checkpoint import checkpoint_path, load_checkpoint, newest_checkpoint  # noqa: E402
from daek_torch.train.data import TripletDataset, parse_sources  # noqa: E402
from daek_torch.train.run import validate  # noqa: E402
from daek_torch.train.settings import load_settings  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--step", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    path = checkpoint_path(args.run, args.step) if args.step is not None else newest_checkpoint(args.run)
    if path is None or not path.exists():
        print(f"validate: no checkpoint in {args.run / 'checkpoints'}", file=sys.stderr)
        return 2
    s = load_settings(args.run)
    if s.val in ("none", "auto"):
        print(f"validate: {args.run} has no explicit validation set (--val)", file=sys.stderr)
        return 2
    data = load_checkpoint(path)
    model = create_model(s.preset)
    model.load_state_dict(data["model"])
    val_set = TripletDataset(parse_sources(s.val, "test")[: s.val_count], s.crop, s.seed, augment_data=False)
    with torch.no_grad():
        psnr = validate(model, val_set, torch.device("cpu"))
    print(f"{path.name}: {len(val_set)} held-out triplets, PSNR {psnr:.4f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
