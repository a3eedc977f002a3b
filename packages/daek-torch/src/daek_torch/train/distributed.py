"""Multi-process training with torchrun: process-group set-up (gloo on CPU, nccl on CUDA) and a BatchNorm whose
training statistics are over the GLOBAL batch, so N processes compute what one process with the same batch does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn


@dataclass
class DistInfo:
    """This process's place: rank, world size, local rank (GPU index), device."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        """Rank 0 writes files and shows progress."""
        return self.rank == 0


def setup(device: str = "auto") -> DistInfo:
    """Join the process group that torchrun describes in the environment (WORLD_SIZE, RANK, LOCAL_RANK,
    MASTER_ADDR/PORT); a single process without torchrun needs none."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda: this torch build sees no CUDA device (torch.cuda.is_available() is False).")
        dev = torch.device("cuda", local if world > 1 else (torch.device(device).index or 0))
        torch.cuda.set_device(dev)
    else:
        dev = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return DistInfo(rank, world, local, dev)


class _GlobalBatchNorm(torch.autograd.Function):
    """Training-mode batch norm with statistics all-reduced over every process (two-pass mean and variance)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor, eps: float) -> tuple[Tensor, Tensor, Tensor]:
        dims = (0, 2, 3)
        count = torch.tensor([x.numel() / x.shape[1]], dtype=torch.float64, device=x.device)
        total = torch.cat([x.sum(dims).double(), count])
        dist.all_reduce(total)
        n = total[-1]
        mean = (total[:-1] / n).to(x.dtype)
        sq = ((x - mean.view(1, -1, 1, 1)) ** 2).sum(dims).double()
        dist.all_reduce(sq)
        var = (sq / n).to(x.dtype)
        invstd = torch.rsqrt(var + eps)
        xhat = (x - mean.view(1, -1, 1, 1)) * invstd.view(1, -1, 1, 1)
        ctx.save_for_backward(xhat, weight, invstd)
        ctx.count = float(n)
        return xhat * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1), mean.detach(), var.detach()

    @staticmethod
    def backward(ctx: Any, dy: Tensor, *_: Any) -> tuple[Tensor, Tensor, Tensor, None]:
        xhat, weight, invstd = ctx.saved_tensors
        dims = (0, 2, 3)
        local_db = dy.sum(dims)
        local_dw = (dy * xhat).sum(dims)
        sums = torch.cat([local_db, local_dw]).double()
        dist.all_reduce(sums)  # the loss of every process depends on this process's inputs through the statistics
        c = weight.shape[0]
        g_db, g_dw = (sums[:c] / ctx.count).to(dy.dtype), (sums[c:] / ctx.count).to(dy.dtype)
        dx = (weight * invstd).view(1, -1, 1, 1) * (dy - g_db.view(1, -1, 1, 1) - xhat * g_dw.view(1, -1, 1, 1))
        # Parameter gradients stay local: DDP averages them over processes, as for every other parameter.
        return dx, local_dw, local_db, None


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """``nn.BatchNorm2d`` (same state dict) whose training statistics span every DDP process."""

    def forward(self, x: Tensor) -> Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        y, mean, var = _GlobalBatchNorm.apply(x, self.weight, self.bias, self.eps)
        with torch.no_grad():
            n = x.numel() / x.shape[1] * dist.get_world_size()
            m = self.momentum if self.momentum is not None else 0.1
            self.running_mean.mul_(1 - m).add_(mean, alpha=m)
            self.running_var.mul_(1 - m).add_(var * (n / max(n - 1, 1)), alpha=m)
            self.num_batches_tracked.add_(1)
        return y


def use_global_batchnorm(model: nn.Module) -> None:
    """Switch every BatchNorm2d of ``model`` in place (aliases stay aliases; the state dict is unchanged).

    torch's own ``SyncBatchNorm`` needs CUDA in torch 1.13; this one also runs on gloo/CPU.
    """
    for m in model.modules():
        if type(m) is nn.BatchNorm2d:
            m.__class__ = GlobalBatchNorm2d


def all_reduce_flag(flag: bool, info: DistInfo) -> bool:
    """True on every process when it is true on any (so all processes stop at the same step)."""
    if info.world == 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=info.device)
    dist.all_reduce(t)
    return bool(t.item() > 0)


def all_reduce_mean(values: Tensor, info: DistInfo) -> Tensor:
    """The mean of ``values`` over processes (for logging the global-batch loss)."""
    if info.world == 1:
        return values
    v = values.detach().clone()
    dist.all_reduce(v)
    return v / info.world
