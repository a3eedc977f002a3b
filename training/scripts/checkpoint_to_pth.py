#!/usr/bin/env python3
"""Write the model (student + teacher) of a daek-torch-train checkpoint as a ``.pth`` that @daek/models loads
(``createInterpolator({model: 'daek-s', weights: 'x.pth'})``, ``daek-bench --method daek:daek-s=x.pth``).

Usage: /usr/bin/python3 training/scripts/checkpoint_to_pth.py RUN_DIR OUT.pth [--step N]
(default: the newest checkpoint in RUN_DIR/checkpoints). Prints the step it read.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

from daek_torch import create_model  # noqa: E402
from daek_torch.train.checkpoint import checkpoint_path, load_checkpoint, newest_checkpoint  # noqa: E402
from daek_torch.weights import save_pth  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--step", type=int, default=None)
    args = parser.parse_args(argv)
    path = checkpoint_path(args.run, args.step) if args.step is not None else newest_checkpoint(args.run)
    if path is None or not path.exists():
        print(f"checkpoint_to_pth: no checkpoint in {args.run / 'checkpoints'}", file=sys.stderr)
        return 2
    data = load_checkpoint(path)
    preset = data["settings"].get("preset", "daek-s")
    model = create_model(preset)
    model.load_state_dict(data["model"])
    save_pth(model, args.out)
    print(f"{path.name}: {preset} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
