"""Training samples/s, daek-torch-train vs daek-train (tfjs-wasm), side by side in one run.

Usage (from the repository root):
  /usr/bin/python3 packages/daek-torch/bench/throughput.py [--steps 2] [--cases daek-s:128,daek-s:224,daek:128]
Each case runs both engines on 1 and 2 threads, interleaved, batch 8, seeded noise, after one warm-up step.
Prints a Markdown table (samples/s, and the torch/tfjs ratio per thread count).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PKG = Path(__file__).resolve().parents[1]


def torch_sps(preset: str, crop: int, batch: int, threads: int, steps: int) -> tuple[float, float]:
    code = ("import sys; sys.path.insert(0, %r); import torch; torch.set_num_threads(%d);"
            "from daek_torch.train.benchmark import benchmark; from daek_torch.train.settings import Settings;"
            "benchmark(Settings(preset=%r, crop=%d, batch=%d, threads=%d, device='cpu'), %d, 1)"
            % (str(PKG / "src"), threads, preset, crop, batch, threads, steps))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    tail = out.strip().splitlines()[-1].split(": ")[-1]
    return float(tail.split(" samples/s")[0]), float(tail.split(", ")[1].split(" samples per")[0])


def tfjs_sps(preset: str, crop: int, batch: int, threads: int, steps: int, micro: int) -> tuple[float, float]:
    out = subprocess.run(["npx", "tsx", "--conditions=@daek/source", str(PKG / "bench" / "tfjs_train.ts"), preset,
                          str(crop), str(batch), str(threads), str(steps), str(micro)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return float(r["samplesPerSecond"]), float(r["samplesPerCpuSecond"])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--cases", default="daek-s:128,daek-s:224,daek:128,daek:224")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--engines", default="torch,tfjs")
    p.add_argument("--micro", type=int, default=2, help="tfjs micro-batch above daek-s at 128 (4 GiB wasm heap)")
    a = p.parse_args()
    print("| model | crop | threads | daek-torch-train samples/s (per CPU-s) | daek-train wasm samples/s (per CPU-s) |"
          " ratio per CPU-s |")
    print("|---|---|---|---|---|---|")
    for case in a.cases.split(","):
        preset, crop = case.split(":")
        for threads in map(int, a.threads.split(",")):
            nan = (float("nan"), float("nan"))
            t = torch_sps(preset, int(crop), a.batch, threads, a.steps) if "torch" in a.engines else nan
            micro = a.batch if (preset, crop) == ("daek-s", "128") else a.micro
            w = tfjs_sps(preset, int(crop), a.batch, threads, a.steps, micro) if "tfjs" in a.engines else nan
            print(f"| {preset} | {crop} | {threads} | {t[0]:.3f} ({t[1]:.3f}) | {w[0]:.3f} ({w[1]:.3f}) | "
                  f"{t[1] / w[1]:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
