"""The optional flow supervision on synthetic samples: .flo reading, augmentation of flows, the loss term, a run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny_data import write_flo, write_triplets

from daek_torch.losses import flow_loss
from daek_torch.train import DataError, Settings, folder_triplets, train
from daek_torch.train.data import TripletDataset, augment, augment_sample, read_flow, sample_rng


def test_read_flow_round_trips_and_names_bad_files(tmp_path: Path) -> None:
    flow = np.random.default_rng(1).normal(size=(5, 7, 2)).astype(np.float32)
    write_flo(tmp_path / "a.flo", flow)
    assert np.array_equal(read_flow(tmp_path / "a.flo"), flow)
    (tmp_path / "b.flo").write_bytes(b"PNG!" + bytes(20))
    with pytest.raises(DataError, match="b.flo: not a Middlebury .flo"):
        read_flow(tmp_path / "b.flo")
    (tmp_path / "c.flo").write_bytes((tmp_path / "a.flo").read_bytes()[:-4])
    with pytest.raises(DataError, match="c.flo: header says 7x5"):
        read_flow(tmp_path / "c.flo")
    with pytest.raises(DataError, match="d.flo: file not found"):
        read_flow(tmp_path / "d.flo")


def _scene(dx: int, dy: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A random texture seen through a 40x48 window that moves (dx, dy) per frame, and its exact flows."""
    big = (np.random.default_rng(2).random((80, 96, 3)) * 255).astype(np.uint8)
    frames = [big[20 + k * dy: 60 + k * dy, 24 + k * dx: 72 + k * dx] for k in range(3)]
    f0 = np.broadcast_to(np.array([dx, dy], np.float32), (40, 48, 2))  # gt(x, y) = frame0(x + dx, y + dy)
    return frames, [f0.copy(), -f0]


def _warp(img: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward warping with integer flows: img sampled at (x + u, y + v); and where that lands inside."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    sx = xs + flow[..., 0].astype(int)
    sy = ys + flow[..., 1].astype(int)
    inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    return img[np.clip(sy, 0, h - 1), np.clip(sx, 0, w - 1)], inside


@pytest.mark.parametrize("shift", [(3, 0), (0, -2), (2, 5)])
def test_augmented_flows_still_warp_the_inputs_onto_the_middle_frame(shift: tuple[int, int]) -> None:
    frames, flows = _scene(*shift)
    for src, flow in ((frames[0], flows[0]), (frames[2], flows[1])):
        warped, inside = _warp(src, flow)
        assert inside.sum() > 0 and np.array_equal(warped[inside], frames[1][inside])
    seen = set()
    for position in range(48):
        rng = sample_rng(7, 0, position)
        f, g = augment_sample(frames, flows, 32, rng)
        assert g is not None
        # The frames are exactly what augment() gives: the flows do not change the random draws.
        plain = augment(frames, 32, sample_rng(7, 0, position))
        assert all(np.array_equal(a, b) for a, b in zip(f, plain))
        seen.add(tuple(np.round(g[0][0, 0]).astype(int)))
        for src, flow in ((f[0], g[0]), (f[2], g[1])):
            warped, inside = _warp(src, flow)
            assert inside.mean() > 0.5
            assert np.array_equal(warped[inside], f[1][inside]), position
    # Flips, swaps and rotations produced several different vectors (the test exercised them).
    assert len(seen) >= 4 or shift[0] * shift[1] == 0 and len(seen) >= 3


def test_flow_loss_counts_only_samples_with_ground_truth() -> None:
    gt = torch.zeros(2, 4, 8, 8)
    flows = [torch.full((2, 4, 8, 8), 1.0), torch.full((2, 4, 8, 8), 3.0), torch.full((2, 4, 8, 8), 2.0)]
    assert flow_loss(flows, gt, torch.tensor([False, False])).item() == 0
    # Per sample: mean over stages of mean |f - gt| = (1 + 3 + 2) / 3 = 2; averaged over a batch of 2 with one sample.
    assert flow_loss(flows, gt, torch.tensor([True, False])).item() == pytest.approx(1.0)
    assert flow_loss(flows, gt, torch.tensor([True, True])).item() == pytest.approx(2.0)
    with pytest.raises(ValueError, match="does not match"):
        flow_loss(flows, torch.zeros(2, 4, 4, 4), torch.tensor([True, True]))


def test_dataset_yields_flows_and_marks_samples_without_them(tmp_path: Path) -> None:
    with_flow = write_triplets(tmp_path / "syn", count=2, flows=True)
    real = write_triplets(tmp_path / "real", count=2)
    triplets = folder_triplets(with_flow) + folder_triplets(real)
    assert [t.flows is not None for t in triplets] == [True, True, False, False]
    data = TripletDataset(triplets, 64, 0, with_flow=True)
    x, flow, has = data[(0, 0, 0)]
    assert x.shape == (9, 64, 64) and flow.shape == (4, 64, 64) and bool(has)
    assert set(flow.abs().unique().tolist()) - {0.0} != set()
    x, flow, has = data[(0, 1, 2)]
    assert not bool(has) and flow.abs().sum() == 0
    # Without with_flow the items are the plain frame tensors, as before.
    assert TripletDataset(triplets, 64, 0)[(0, 0, 0)].shape == (9, 64, 64)


def _settings(data: str, out: Path, **kw: object) -> Settings:
    base = dict(data=data, preset="daek-s", crop=64, batch=2, steps=2, warmup=1, lr=1e-3, lr_min=1e-5, val="none",
                workers=0, threads=1, log_every=1, checkpoint_every=2, keep=1, quiet=True, onnx=False, out=str(out),
                device="cpu")
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def test_a_run_with_flow_weight_logs_the_term_and_needs_flow_files(tmp_path: Path) -> None:
    syn = write_triplets(tmp_path / "syn", count=4, flows=True)
    real = write_triplets(tmp_path / "real", count=4)
    run = tmp_path / "run"
    train(_settings(f"triplets:{syn},triplets:{real}", run, flow_weight=0.01))
    records = [json.loads(ln) for ln in (run / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if r["type"] == "train"]
    assert len(steps) == 2 and all(r["flow"] >= 0 for r in steps) and any(r["flow"] > 0 for r in steps)
    # Without ground truth, the weight is refused with the fix named.
    with pytest.raises(DataError, match="no training triplet has ground-truth flow"):
        train(_settings(f"triplets:{real}", tmp_path / "run2", flow_weight=0.01))
    with pytest.raises(ValueError, match="expected a weight >= 0"):
        train(_settings(f"triplets:{syn}", tmp_path / "run3", flow_weight=-1.0))
