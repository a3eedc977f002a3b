"""The training loop of daek-torch-train (spec §3: AdamW, warmup + cosine, RIFE's augmentation, L = Lap(out) +
Lap(teacher) + 0.01·L_dis), for one process or many under torchrun/DDP."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import create_model
from ..losses import flow_loss, lap_loss, total_loss
from ..model import DAEK
from ..optim import adamw, learning_rate
from ..presets import config_to_ts
from ..weights import WeightsError, load_into, load_tfjs_weights, save_pth
from . import distributed as ddp
from .checkpoint import load_checkpoint, newest_checkpoint, rng_state, save_checkpoint, set_rng_state
from .data import DataError, StepBatchSampler, TripletDataset, parse_sources
from .records import JsonlLog, atomic_write_text, plot
from .settings import Settings


class TrainStep(nn.Module):
    """Forward + loss as one module (what DDP wraps): returns [L, L_rec, L_rec_tea, L_dis, L_flow] of the local batch.

    ``L_flow`` (:func:`flow_loss`) is computed and added with ``flow_weight`` only when that is > 0 and the batch
    carries ground-truth flow; it is 0 otherwise, and L is then the paper's loss exactly."""

    def __init__(self, model: DAEK, flow_weight: float = 0.0) -> None:
        super().__init__()
        self.model = model
        self.flow_weight = flow_weight

    def forward(self, img0: Tensor, img1: Tensor, gt: Tensor, gt_flow: Tensor | None = None,
                has_flow: Tensor | None = None) -> Tensor:
        out = self.model(img0, img1, gt)
        rec = lap_loss(out.output.float(), gt.float())
        zero = rec.detach() * 0
        flow = zero
        if self.flow_weight > 0 and gt_flow is not None and has_flow is not None:
            flow = flow_loss(out.flows, gt_flow, has_flow)
        if out.teacher is None or out.distill_terms is None:
            return torch.stack([total_loss(rec) + self.flow_weight * flow, rec, zero, zero, flow])
        tea = lap_loss(out.teacher.merged.float(), gt.float())
        dis = out.distill_terms[0] + out.distill_terms[1] + out.distill_terms[2]
        loss = total_loss(rec, tea, dis.float()) + self.flow_weight * flow
        return torch.stack([loss, rec, tea, dis.float(), flow])


def build_model(s: Settings) -> DAEK:
    overrides = dict(s.config)
    if s.teacher:
        overrides["teacher"] = s.teacher
    return create_model(s.preset, **overrides)


def load_init(model: DAEK, init: str) -> list[str]:
    """Fine-tuning start: ``shipped`` (the weights @daek/models ships for the preset), a model.json or a .pth."""
    from .. import shipped_weights

    if init == "shipped":
        path = shipped_weights(_preset_name(model))
        if path is None:
            raise WeightsError("--init shipped: no shipped weights for this preset (only daek-s ships weights).")
        return load_tfjs_weights(model, path)
    if init.endswith(".json") or Path(init).is_dir():
        return load_tfjs_weights(model, init)
    state = torch.load(init, map_location="cpu")
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    return load_into(model, state, allow_missing_prefixes=("block_tea.", "mrb_tea."), source=init)


def _preset_name(model: DAEK) -> str:
    return getattr(model, "preset_name", "daek-s")


def to_frames(batch: Tensor, device: torch.device, channels_last: bool) -> tuple[Tensor, Tensor, Tensor]:
    x = batch.to(device, non_blocking=True).float().div_(255.0)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x[:, 0:3], x[:, 6:9], x[:, 3:6]


@torch.no_grad()
def validate(model: DAEK, data: TripletDataset, device: torch.device) -> float:
    """Mean PSNR (float output, RIFE's train.py) over full frames, replicate-padded to a multiple of 32 and >= 128."""
    was = model.training
    model.eval()
    total = 0.0
    for i in range(len(data)):
        x = data[(0, i, i)].unsqueeze(0).to(device).float() / 255.0
        h, w = x.shape[2:]
        ph, pw = max(128, -(-h // 32) * 32) - h, max(128, -(-w // 32) * 32) - w
        xp = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), mode="replicate")
        out = model(xp[:, 0:3], xp[:, 6:9]).output[:, :, ph // 2:ph // 2 + h, pw // 2:pw // 2 + w]
        mse = (out - x[:, 3:6]).pow(2).mean().item()
        total += -10 * math.log10(max(mse, 1e-10))
    model.train(was)
    return total / max(1, len(data))


def _ignore_stop_signals(_worker_id: int) -> None:
    # A signal sent to the whole process group also reaches the data workers. One killed by it makes the DataLoader
    # raise in the trainer before its checkpoint is written; a clean exit (status 0) does not, and the trainer
    # fetches no further batch once it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


class StopFlag:
    """SIGINT/SIGTERM finish the current step, checkpoint and exit (130/143); a second signal exits at once."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signal is not None:
            raise SystemExit(128 + signum)
        self.signal = signum

    def __exit__(self, *_: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def train(s: Settings, info: ddp.DistInfo | None = None, progress: bool = True) -> dict[str, Any]:
    """Run (or resume) a training run described by ``s``; returns the final record. See the README."""
    info = info or ddp.setup(s.device)
    if s.threads > 0:
        torch.set_num_threads(s.threads)
    run = Path(s.out)
    train_set = parse_sources(s.data, "rife-train")
    torch.manual_seed(s.seed)  # the initial weights are part of the run (--seed)
    model = build_model(s)
    model.preset_name = s.preset  # type: ignore[attr-defined]
    start = 0
    resume_data: dict[str, Any] | None = None
    if s.resume:
        ckpt = newest_checkpoint(run)
        if ckpt is None:
            raise FileNotFoundError(f"--resume: no checkpoint in {run / 'checkpoints'}.")
        resume_data = load_checkpoint(ckpt)
        if resume_data["config"] != config_to_ts(model.config):
            raise WeightsError(f"{ckpt}: the checkpoint is from another preset or configuration "
                               f"({resume_data['settings']['preset']}); start a new --out or pass matching settings.")
        load_into(model, resume_data["model"], source=str(ckpt))
        start = int(resume_data["step"])
    elif s.init:
        load_init(model, s.init)
    if s.amp != "none" and info.device.type != "cuda":
        raise ValueError(f"--amp {s.amp} needs CUDA (this run is on {info.device}).")
    model.to(info.device)
    if s.channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    if info.world > 1:
        ddp.use_global_batchnorm(model)
    if s.flow_weight < 0:
        raise ValueError(f"--flow-weight {s.flow_weight}: expected a weight >= 0 (0 = the paper's loss).")
    step_module: nn.Module = TrainStep(model, s.flow_weight)
    if info.world > 1:
        step_module = nn.parallel.DistributedDataParallel(
            step_module, device_ids=[info.device.index] if info.device.type == "cuda" else None,
            find_unused_parameters=model.config.teacher != "ours")
    if s.compile:
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"--compile needs torch >= 2.0 (this is torch {torch.__version__}).")
        step_module = torch.compile(step_module)  # type: ignore[attr-defined]
    opt = adamw(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    scaler = torch.cuda.amp.GradScaler(enabled=s.amp == "fp16")
    sampler = StepBatchSampler(len(train_set), s.batch, s.seed, start, 1, info.rank, info.world)
    spe = sampler.steps_per_epoch
    total = s.steps if s.steps > 0 else s.epochs * spe
    warmup = s.warmup if s.warmup >= 0 else min(2000, total // 10)
    if total <= warmup:
        raise ValueError(f"the run has {total} steps, not more than the {warmup} warmup steps; lower --warmup.")
    sampler.total = total
    if resume_data is not None:
        opt.load_state_dict(resume_data["optimizer"])
        if resume_data.get("scaler"):
            scaler.load_state_dict(resume_data["scaler"])
        set_rng_state(resume_data["rng"])
    val_set = None
    if s.val != "none" and info.main:
        val_triplets = []
        if s.val == "auto":
            if s.data.split(",")[0].startswith("vimeo:"):
                val_triplets = parse_sources(s.data.split(",")[0], "rife-validation")
        else:
            val_triplets = parse_sources(s.val, "test")
        if val_triplets:
            val_set = TripletDataset(val_triplets[: s.val_count], s.crop, s.seed, augment_data=False)
    val_every = s.val_every if s.val_every > 0 else 5 * spe
    log = JsonlLog(run / "log.jsonl", resume_step=start if s.resume else None) if info.main else None
    if info.main:
        run.mkdir(parents=True, exist_ok=True)
        if not s.resume:
            (run / "log.jsonl").unlink(missing_ok=True)
            log = JsonlLog(run / "log.jsonl")
        atomic_write_text(run / "settings.json", json.dumps(s.to_json(), indent=1))
        config_json = {"model": s.preset, "daekConfig": config_to_ts(model.config)}
        atomic_write_text(run / "config.json", json.dumps(config_json, indent=1))
    counts = model.parameter_counts()
    if log:
        log.write({"type": "event", "step": start, "event": "resume" if s.resume else "start", "detail": {
            "settings": s.to_json(), "totalSteps": total, "stepsPerEpoch": spe, "trainTriplets": len(train_set),
            "world": info.world, "device": str(info.device), "torch": torch.__version__,
            "parameters": {"total": counts["total"], "student": counts["student"]}}})
    with_flow = s.flow_weight > 0
    if with_flow and not any(t.flows for t in train_set):
        raise DataError(f"--flow-weight {s.flow_weight}: no training triplet has ground-truth flow files "
                        "(flow_t0.flo, flow_t1.flo); export synthetic scenes with `daek-data export ... synthetic`.")
    dataset = TripletDataset(train_set, s.crop, s.seed, with_flow=with_flow)
    loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler, num_workers=s.workers,
                                         pin_memory=info.device.type == "cuda", persistent_workers=False,
                                         worker_init_fn=_ignore_stop_signals)
    bar = None
    if info.main and progress and not s.quiet:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, smoothing=0.05)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16 if s.amp == "bf16" else torch.float16)
                if s.amp != "none" else contextlib.nullcontext())
    step = start
    last: dict[str, Any] = {}
    model.train()
    window_t, window_n = time.perf_counter(), 0

    def checkpoint() -> None:
        if info.main:
            save_checkpoint(run, step, {"model": model.state_dict(), "optimizer": opt.state_dict(),
                                        "scaler": scaler.state_dict() if s.amp == "fp16" else None, "rng": rng_state(),
                                        "settings": s.to_json(), "config": config_to_ts(model.config)}, s.keep)
        if info.world > 1:
            torch.distributed.barrier()

    if val_set is not None and not s.resume and log:
        log.write({"type": "val", "step": start, "psnr": validate(model, val_set, info.device)})
    if info.world > 1:
        torch.distributed.barrier()

    def interrupted(signum: int) -> SystemExit:
        if log:
            log.write({"type": "event", "step": step, "event": "interrupted"})
        if bar:
            bar.close()
        return SystemExit(128 + signum)

    with StopFlag() as stop:
        batches: Iterator[Tensor] = iter(loader)
        while step < total:
            try:
                batch = next(batches)
            except RuntimeError:
                # The signal also reached the data workers, which exit: stop at the last finished step.
                if stop.signal is None:
                    raise
                checkpoint()
                raise interrupted(stop.signal) from None
            lr = learning_rate(step, total, s.lr, s.lr_min, warmup)
            for group in opt.param_groups:
                group["lr"] = lr
            gt_flow = has_flow = None
            if with_flow:
                batch, gt_flow, has_flow = batch
                gt_flow, has_flow = gt_flow.to(info.device), has_flow.to(info.device)
            img0, img1, gt = to_frames(batch, info.device, s.channels_last)
            with autocast:
                terms = step_module(img0, img1, gt, gt_flow, has_flow)
            opt.zero_grad(set_to_none=True)
            scaler.scale(terms[0]).backward()
            scaler.step(opt)
            scaler.update()
            step += 1
            window_n += s.batch
            if step % s.log_every == 0 or step == total:
                g = ddp.all_reduce_mean(terms.detach().float(), info).tolist()
                now = time.perf_counter()
                sps = window_n / max(now - window_t, 1e-9)
                window_t, window_n = now, 0
                last = {"type": "train", "step": step, "epoch": (step - 1) // spe, "loss": g[0], "rec": g[1],
                        "rec_teacher": g[2], "distill": g[3], "lr": lr, "samples_per_second": sps}
                if with_flow:
                    last["flow"] = g[4]
                if log:
                    log.write(last)
                if bar:
                    bar.set_postfix(loss=f"{g[0]:.4f}", samples_s=f"{sps:.1f}", lr=f"{lr:.2e}")
            if bar:
                bar.update(1)
            if val_set is not None and (step % val_every == 0 or step == total):
                psnr = validate(model, val_set, info.device)
                if log:
                    log.write({"type": "val", "step": step, "psnr": psnr})
            stopping = ddp.all_reduce_flag(stop.signal is not None, info)
            if step % s.checkpoint_every == 0 or step == total or stopping:
                checkpoint()
                if log:
                    plot(log, run)
            if stopping:
                raise interrupted(stop.signal or signal.SIGTERM)
    if bar:
        bar.close()
    if info.main:
        export(model, run, s)
        if log:
            log.write({"type": "event", "step": step, "event": "end", "detail": {"export": str(run / "export")}})
            plot(log, run)
    return last


def export(model: DAEK, run: Path, s: Settings) -> None:
    """export/model.pth (student + teacher: loads in createInterpolator({model, weights})), export/config.json,
    and export/model.onnx (the student at inference, 256x448, opset 16) unless --no-onnx."""
    out = run / "export"
    out.mkdir(parents=True, exist_ok=True)
    model_cpu = model
    save_pth(model_cpu, out / "model.pth")
    atomic_write_text(out / "config.json", json.dumps({"model": s.preset, "daekConfig": config_to_ts(model.config)}, indent=1))
    if s.onnx:
        from ..export_onnx import export_onnx

        export_onnx(model, out / "model.onnx")
