"""ONNX export of the student at inference (``torch.onnx.export``, opset 16 for grid_sample)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import Tensor, nn

from .model import DAEK


class _Inference(nn.Module):
    def __init__(self, model: DAEK) -> None:
        super().__init__()
        self.model = model

    def forward(self, img0: Tensor, img1: Tensor) -> Tensor:
        return self.model(img0, img1).output


def export_onnx(model: DAEK, path: str | os.PathLike[str], height: int = 256, width: int = 448,
                opset: int = 16) -> Path:
    """Write ``img0, img1 [1,3,H,W] -> output [1,3,H,W]`` at a fixed size (the warp grids are traced as
    constants, so export one file per frame size). Eval mode; the teacher is not part of the graph."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    was = model.training
    model.eval()
    device = next(model.parameters()).device
    x = torch.rand(1, 3, height, width, device=device)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(_Inference(model), (x, x), str(tmp), opset_version=opset, input_names=["img0", "img1"],
                              output_names=["output"], do_constant_folding=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        model.train(was)
    return target
