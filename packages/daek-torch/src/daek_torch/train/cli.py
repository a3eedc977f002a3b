"""``daek-torch-train`` / ``python -m daek_torch.train``: the flags of daek-train where they make sense."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .settings import RUNTIME_ONLY, Settings, load_settings

EPILOG = """examples:
  # fine-tune the shipped daek-s on exported triplets (see `daek-data export`), resumable:
  daek-torch-train --data triplets:data/train --preset daek-s --init shipped --crop 128 --batch 8 \\
      --steps 20000 --lr 1e-4 --warmup 500 --out runs/daek-s-ft
  daek-torch-train --out runs/daek-s-ft --resume          # continue exactly where it stopped
  # several processes (CPU: gloo, CUDA: nccl); --batch is the global batch:
  torchrun --standalone --nproc_per_node 2 -m daek_torch.train --data vimeo:/data/vimeo_triplet --out runs/v
Ctrl-C or SIGTERM finishes the current step, writes a checkpoint and exits (130 / 143)."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="daek-torch-train", description="Train DAEK in PyTorch (spec §3 recipe by default).",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                                argument_default=argparse.SUPPRESS)
    d = p.add_argument_group("data")
    d.add_argument("--data", help="vimeo:DIR (tri_trainlist.txt, RIFE's first 95%%), triplets:DIR (folders with "
                   "frame0/gt/frame1.png or im1/im2/im3.png), comma-joined")
    d.add_argument("--val", help="auto (default: Vimeo's last 5%%), none, or a source as --data")
    d.add_argument("--val-count", type=int, help="validation triplets (default 16)")
    d.add_argument("--val-every", type=int, help="validate every N steps and at the end (default every 5 epochs)")
    m = p.add_argument_group("model")
    m.add_argument("--preset", help="any @daek/models preset: daek (default), daek-s, baseline, daek-rt, ...")
    m.add_argument("--config", type=json.loads, help="JSON fields over the preset, e.g. '{\"featChannels\":32}'")
    m.add_argument("--teacher", choices=["ours", "rife", "none"], help="override the preset's teacher")
    m.add_argument("--init", help="start from weights: shipped (the daek-s that @daek/models ships), a tfjs "
                   "model.json or a .pth (the teacher may be absent; it then starts fresh)")
    o = p.add_argument_group("optimisation")
    o.add_argument("--epochs", type=int, help="run length in epochs (default 300)")
    o.add_argument("--steps", type=int, help="run length in steps (overrides --epochs)")
    o.add_argument("--batch", type=int, help="GLOBAL batch size over all processes (default 32)")
    o.add_argument("--crop", type=int, help="random square crop, a multiple of 32 (default 224)")
    o.add_argument("--lr", type=float, help="peak learning rate (default 1e-4)")
    o.add_argument("--lr-min", type=float, help="final learning rate (default 1e-6)")
    o.add_argument("--warmup", type=int, help="linear warmup steps (default min(2000, 10%% of the run))")
    o.add_argument("--flow-weight", type=float, help="add this weight times an L1 flow-supervision term on samples "
                   "with exact ground-truth flow (synthetic scenes exported with flow_t0.flo/flow_t1.flo); an "
                   "extension of the paper's loss, default 0 (off)")
    o.add_argument("--weight-decay", type=float, help="AdamW decoupled weight decay (default 1e-3)")
    o.add_argument("--seed", type=int, help="weights, data order and augmentation (default 1234)")
    r = p.add_argument_group("run")
    r.add_argument("--device", help="auto (default: cuda if available), cpu, cuda, cuda:N")
    r.add_argument("--threads", type=int, help="torch CPU threads per process (default: torch's)")
    r.add_argument("--workers", type=int, help="data-loading processes per training process (default 2)")
    r.add_argument("--amp", choices=["none", "bf16", "fp16"], help="mixed precision on CUDA (default none)")
    r.add_argument("--channels-last", action="store_true", help="NHWC memory format (faster convolutions on GPUs)")
    r.add_argument("--compile", action="store_true", help="torch.compile the training step (torch >= 2)")
    r.add_argument("--no-onnx", dest="onnx", action="store_false", help="skip the ONNX export at the end")
    r.add_argument("--out", help="run folder (default daek-torch-runs/run): settings.json, log.jsonl, loss.png, "
                   "val_psnr.png, checkpoints/, export/model.pth, export/model.onnx")
    r.add_argument("--resume", action="store_true", help="continue the run in --out from its newest checkpoint with "
                   "its stored settings (weights, optimiser, schedule, RNG, data order)")
    r.add_argument("--checkpoint-every", type=int, help="checkpoint every N steps (default 1000), and at the end and on "
                   "Ctrl-C / SIGTERM")
    r.add_argument("--keep", type=int, help="keep the K newest checkpoints (default 3)")
    r.add_argument("--log-every", type=int, help="JSONL log line every N steps (default 10)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--benchmark", type=int, help="time N training steps on seeded noise at --crop/--batch, print "
                   "samples/s, write nothing")
    r.add_argument("--benchmark-warmup", type=int, help="untimed steps first (default 1)")
    return p


def settings_from_args(argv: list[str]) -> tuple[Settings, dict[str, Any]]:
    given = vars(parser().parse_args(argv))
    extra = {k: given.pop(k) for k in ("benchmark", "benchmark_warmup") if k in given}
    if given.get("resume"):
        out = Path(given.get("out", Settings.out))
        stored = load_settings(out)
        clash = [k for k, v in given.items() if k not in RUNTIME_ONLY and getattr(stored, k) != v]
        if clash:
            raise SystemExit(f"daek-torch-train: --resume continues {out} with its stored settings; these flags "
                             f"differ from them: {', '.join('--' + k.replace('_', '-') for k in clash)}. Drop them "
                             "or start a new --out.")
        merged = {**stored.to_json(), **given, "resume": True}
        return Settings.from_json(merged), extra
    if "data" not in given and "benchmark" not in extra:
        raise SystemExit("daek-torch-train: --data is required (vimeo:DIR or triplets:DIR; see --help).")
    crop = given.get("crop", Settings.crop)
    if crop % 32 or crop < 64:
        raise SystemExit(f"daek-torch-train: --crop {crop}: expected a multiple of 32, at least 64 (the Laplacian "
                         "loss has 5 levels).")
    return Settings.from_json({**Settings().to_json(), **given}), extra


def main(argv: list[str] | None = None) -> int:
    s, extra = settings_from_args(sys.argv[1:] if argv is None else argv)
    if "benchmark" in extra:
        from .benchmark import benchmark

        benchmark(s, extra["benchmark"], extra.get("benchmark_warmup", 1))
        return 0
    from .run import train

    t0 = time.time()
    last = train(s)
    if last:
        print(f"done: step {last.get('step')}, loss {last.get('loss', float('nan')):.5f}, {time.time() - t0:.0f} s; "
              f"exported to {Path(s.out) / 'export'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
