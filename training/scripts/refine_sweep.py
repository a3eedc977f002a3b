#!/usr/bin/env python3
"""Variants of the test-time flow search (refine_probe.py), compared on held-out clips. The network runs once per
triplet and direction (frame0 -> frame1, and reversed for the time-reversal ensemble); its last flow, mask and
residual are cached in --cache, so each variant costs only its search. Scores are PSNR on the uint8 output and IE
(0-255), as daek-bench scores them, averaged per DIR and over all.

Usage: /usr/bin/python3 training/scripts/refine_sweep.py WEIGHTS DIR [DIR ...] [--cache /tmp/refine-cache]
    [--variants NAME,NAME] [--every N] [--motion-scale 0.5] [--second-scale 0.5]
Use it on held-out clips only (training/holdout.json), never on a test set.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages" / "daek-torch" / "src"))

import torch  # noqa: E402
from torch import Tensor  # noqa: E402

from daek_torch import create_model  # noqa: E402
from daek_torch.ops import warp  # noqa: E402
from daek_torch.train.run import load_init  # noqa: E402
from refine_probe import pick_start, refine, window_cost  # noqa: E402
from scale_probe import pad32, read, resize, score_u8, triplets  # noqa: E402


@dataclass(frozen=True)
class Variant:
    """One search configuration."""

    steps: tuple[float, ...] = (1.0, 0.5, 0.25)
    window: int = 9
    zero_first: bool = False  # try flow = 0 against the network's flow per pixel before the grid search
    # none | frames (mean of two refined passes) | flows (one search from the mean flow) | candidates (one search from
    # the per-pixel best of the forward flow, the reversed pass's flow and zero; mean mask and residual)
    ensemble: str = "none"
    # frames only: each pass also tries the other pass's (swapped) flow per pixel before its search
    cross: bool = False
    # keep the start flow where the searched flow lowers the window cost by less than this fraction of it
    margin: float = 0.0
    # add this times the offset from the start flow (mean |d| over the 4 flow channels, pixels) to each cost
    penalty: float = 0.0
    # also try, per pixel, the flows of the network run at --second-scale (their number: 0 none) before the search
    second: int = 0
    extra: dict[str, float] = field(default_factory=dict, hash=False)


VARIANTS: dict[str, Variant] = {
    "base": Variant(),
    "w5": Variant(window=5),
    "w7": Variant(window=7),
    "w13": Variant(window=13),
    "w17": Variant(window=17),
    "w21": Variant(window=21),
    "w29": Variant(window=29),
    "s2": Variant(steps=(2.0, 1.0, 0.5, 0.25)),
    "s125": Variant(steps=(1.0, 0.5, 0.25, 0.125)),
    "s4": Variant(steps=(4.0, 2.0, 1.0, 0.5, 0.25)),
    "zero": Variant(zero_first=True),
    "ens": Variant(ensemble="frames"),
    "ensflow": Variant(ensemble="flows"),
    "ens17": Variant(window=17, ensemble="frames"),
    "ens21": Variant(window=21, ensemble="frames"),
    "zero17": Variant(window=17, zero_first=True),
    "zero13": Variant(window=13, zero_first=True),
    "ensz13": Variant(window=13, zero_first=True, ensemble="frames"),
    "ensz17": Variant(window=17, zero_first=True, ensemble="frames"),
    "ensx13": Variant(window=13, zero_first=True, ensemble="frames", cross=True),
    "cand13": Variant(window=13, ensemble="candidates"),
    "cand17": Variant(window=17, ensemble="candidates"),
    "m05": Variant(window=13, margin=0.05),
    "m10": Variant(window=13, margin=0.10),
    "m20": Variant(window=13, margin=0.20),
    "p002": Variant(window=13, penalty=0.002),
    "p005": Variant(window=13, penalty=0.005),
    "p010": Variant(window=13, penalty=0.010),
    "p020": Variant(window=13, penalty=0.020),
    "p050": Variant(window=13, penalty=0.050),
    "two13": Variant(window=13, second=1),
    "two13p": Variant(window=13, second=1, penalty=0.020),
    "two13pz": Variant(window=13, second=1, penalty=0.020, zero_first=True),
    "three13p": Variant(window=13, second=2, penalty=0.020),
}


def search(a: Tensor, b: Tensor, flow: Tensor, v: Variant, others: list[Tensor] | None = None) -> Tensor:
    starts = (others or []) + ([torch.zeros_like(flow)] if v.zero_first else [])
    searched = refine(a, b, flow, list(v.steps), v.window, starts, v.penalty)
    if v.margin > 0:
        start = pick_start(a, b, [flow, *starts], v.window) if starts else flow
        keep = window_cost(a, b, searched, v.window) > (1 - v.margin) * window_cost(a, b, start, v.window)
        searched = torch.where(keep, start, searched)
    return searched


def compose(a: Tensor, b: Tensor, flow: Tensor, mask: Tensor, residual: Tensor) -> Tensor:
    return torch.clamp(warp(a, flow[:, :2]) * mask + warp(b, flow[:, 2:]) * (1 - mask) + residual, 0, 1)


def swap(flow: Tensor) -> Tensor:
    return torch.cat([flow[:, 2:], flow[:, :2]], 1)


def run_variant(pa: Tensor, pb: Tensor, fwd: dict[str, Tensor], rev: dict[str, Tensor], v: Variant,
                second: list[dict[str, Tensor]] | None = None) -> Tensor:
    if v.second:
        if second is None or len(second) < v.second:
            raise SystemExit(f"a variant with second={v.second} needs as many --second-scale factors")
        others = [o["flow"] for o in second[:v.second]]
        return compose(pa, pb, search(pa, pb, fwd["flow"], v, others), fwd["mask"], fwd["residual"])

    def one(x: Tensor, y: Tensor, o: dict[str, Tensor], others: list[Tensor] | None = None) -> Tensor:
        return compose(x, y, search(x, y, o["flow"], v, others), o["mask"], o["residual"])

    if v.ensemble == "none":
        return one(pa, pb, fwd)
    if v.ensemble == "frames":
        return (one(pa, pb, fwd, [swap(rev["flow"])] if v.cross else None) +
                one(pb, pa, rev, [swap(fwd["flow"])] if v.cross else None)) / 2
    mean = {"flow": (fwd["flow"] + swap(rev["flow"])) / 2, "mask": (fwd["mask"] + 1 - rev["mask"]) / 2,
            "residual": (fwd["residual"] + rev["residual"]) / 2}
    if v.ensemble == "candidates":
        return one(pa, pb, {**mean, "flow": fwd["flow"]}, [swap(rev["flow"]), torch.zeros_like(fwd["flow"])])
    return one(pa, pb, mean)


def network_outputs(model: torch.nn.Module, x: Tensor, y: Tensor) -> dict[str, Tensor]:
    out = model(x, y)
    return {"flow": out.flows[-1], "mask": torch.sigmoid(out.mask_logit), "residual": out.output - out.blends[-1],
            "output": out.output}


def scaled_outputs(model: torch.nn.Module, x: Tensor, y: Tensor, scale: float) -> dict[str, Tensor]:
    """The network run on the pair resized by `scale` and its flow, mask and residual brought back to full size
    (scale_probe.py's `middle`): the search then works at full resolution on the unpadded frames."""
    h, w = x.shape[-2:]
    lh, lw = max(1, round(h * scale)), max(1, round(w * scale))
    sx, _, _ = pad32(resize(x, lh, lw))
    sy, _, _ = pad32(resize(y, lh, lw))
    out = model(sx, sy)
    ratio = torch.tensor([w / lw, h / lh, w / lw, h / lh]).view(1, 4, 1, 1)
    flow = resize(out.flows[-1][..., :lh, :lw], h, w) * ratio
    mask = torch.sigmoid(resize(out.mask_logit[..., :lh, :lw], h, w))
    residual = resize((out.output - out.blends[-1])[..., :lh, :lw], h, w)
    return {"flow": flow, "mask": mask, "residual": residual, "output": compose(x, y, flow, mask, residual)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/refine-cache"))
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--every", type=int, default=1, help="use every N-th triplet of each DIR (a quicker subset)")
    parser.add_argument("--motion-scale", type=float, default=1.0,
                        help="run the network on the pair resized by this factor; search and blend at full size")
    parser.add_argument("--second-scale", default=None,
                        help="comma-separated factors: also run the network at each (forward only), for the `second` "
                             "variants; then every variant works on the unpadded frames")
    args = parser.parse_args(argv)
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"--variants: unknown {unknown}; known: {', '.join(VARIANTS)}")
    torch.set_num_threads(args.threads)
    model = create_model("daek-s")
    load_init(model, args.weights)
    model.eval()
    args.cache.mkdir(parents=True, exist_ok=True)
    columns = ["model", "model-ens"] + names
    totals: dict[str, dict[str, list[float]]] = {}
    with torch.no_grad():
        for root in args.dirs:
            sums = totals.setdefault(str(root), {c: [0.0, 0.0, 0.0] for c in columns})
            for folder in triplets(root)[::args.every]:
                a, gt, b = (read(folder / f"im{i}.png") for i in (1, 2, 3))
                h, w = a.shape[-2:]
                scaled = args.motion_scale != 1
                pa, pb = (a, b) if scaled else (pad32(a)[0], pad32(b)[0])
                tag = f"_x{args.motion_scale:g}" if scaled else ""
                key = args.cache / (str(folder.relative_to(root.parent)).replace("/", "_") + tag + ".pt")
                if key.exists():
                    fwd, rev = torch.load(key)
                elif scaled:
                    fwd, rev = scaled_outputs(model, a, b, args.motion_scale), scaled_outputs(model, b, a, args.motion_scale)
                    torch.save((fwd, rev), key)
                else:
                    fwd, rev = network_outputs(model, pa, pb), network_outputs(model, pb, pa)
                    torch.save((fwd, rev), key)
                second = None
                if args.second_scale is not None:
                    second = []
                    for factor in (float(f) for f in args.second_scale.split(",")):
                        skey = args.cache / (str(folder.relative_to(root.parent)).replace("/", "_") + f"_x{factor:g}_fwd.pt")
                        if not skey.exists():
                            torch.save(scaled_outputs(model, a, b, factor), skey)
                        second.append(torch.load(skey))
                    fwd = {k: t[..., :h, :w] for k, t in fwd.items()}
                    rev = {k: t[..., :h, :w] for k, t in rev.items()}
                    pa, pb = a, b
                truth = (gt * 255).round()
                outputs = {"model": fwd["output"], "model-ens": (fwd["output"] + rev["output"]) / 2}
                for n in names:
                    outputs[n] = run_variant(pa, pb, fwd, rev, VARIANTS[n], second)
                row = []
                for c in columns:
                    psnr, ie = score_u8(outputs[c][..., :h, :w], truth)
                    sums[c][0] += psnr
                    sums[c][1] += ie
                    sums[c][2] += 1
                    row.append(f"{c} {psnr:.2f}/{ie:.2f}")
                print(f"{folder.relative_to(root.parent)} {w}x{h}: " + "  ".join(row), flush=True)
    for root, sums in totals.items():
        print(f"== {root}")
        for c, (p, i, n) in sums.items():
            print(f"{c:10s} {int(n)} triplets  PSNR {p / n:.3f}  IE {i / n:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
