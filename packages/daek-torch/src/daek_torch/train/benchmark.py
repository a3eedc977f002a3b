"""``--benchmark N``: training samples/s on seeded noise at --crop and --batch; writes nothing."""

from __future__ import annotations

import time

import torch

from ..optim import adamw
from .distributed import setup
from .run import TrainStep, build_model
from .settings import Settings


def benchmark(s: Settings, steps: int, warmup: int = 1) -> float:
    info = setup(s.device)
    if s.threads > 0:
        torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    model = build_model(s).to(info.device).train()
    if s.channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    step = TrainStep(model)
    opt = adamw(model.parameters(), lr=s.lr, weight_decay=s.weight_decay)
    g = torch.Generator().manual_seed(s.seed)
    x = torch.rand(s.batch, 9, s.crop, s.crop, generator=g).to(info.device)
    if s.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)

    def one() -> None:
        loss = step(x[:, 0:3], x[:, 6:9], x[:, 3:6])[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        one()
    if info.device.type == "cuda":
        torch.cuda.synchronize()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        one()
    if info.device.type == "cuda":
        torch.cuda.synchronize()
    sps = steps * s.batch / (time.perf_counter() - t0)
    per_cpu = steps * s.batch / max(time.process_time() - c0, 1e-9)
    print(f"{s.preset} crop {s.crop} batch {s.batch} threads {torch.get_num_threads()} {info.device}: "
          f"{sps:.3f} samples/s, {per_cpu:.3f} samples per CPU-second (torch {torch.__version__})")
    return sps
