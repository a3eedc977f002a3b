"""CFCM, the cross-feature correlation module (paper eqs. (2)-(5), Fig. 3; spec §1.8)."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: LeakyReLU slope of the MRB and CFCM (AMT raft.py L119).
LRELU = 0.1


class CFCM(nn.Module):
    """``Attn = lrelu(v_proj(cmf)) + Para·softmax(q_proj(ctx)⊙k_proj(ctx))`` (spec §1.8; A6, A9)."""

    def __init__(self, cmf_channels: int, ctx_channels: int, dim: int, use_sfa: bool,
                 softmax: Literal["channel", "spatial"] = "channel") -> None:
        super().__init__()
        self.use_sfa = use_sfa
        self.softmax = softmax
        if use_sfa:
            self.para = nn.Parameter(torch.zeros(1))  # registered first, as the reference does
        self.v_proj = nn.Conv2d(cmf_channels, dim, 1)
        if use_sfa:
            self.q_proj = nn.Conv2d(ctx_channels, dim, 1)
            self.k_proj = nn.Conv2d(ctx_channels, dim, 1)

    def forward(self, cmf: Tensor, ctx: Tensor | None) -> Tensor:
        v = F.leaky_relu(self.v_proj(cmf), LRELU)
        if not self.use_sfa:
            return v
        assert ctx is not None
        qk = self.q_proj(ctx) * self.k_proj(ctx)
        if self.softmax == "channel":
            score = torch.softmax(qk, dim=1)
        else:
            b, c, h, w = qk.shape
            score = torch.softmax(qk.view(b, c, h * w), dim=2).view(b, c, h, w)
        return v + self.para * score
