"""MRB (paper §III-C; spec §1.7): AMT's BasicUpdateBlock with its ``conv`` replaced by CFCM (spec §1.8)."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .bcv import BidirCorrelation, bidir_correlation_feature
from .cfcm import CFCM, LRELU
from .ops import resize, resize_flow


def _two_conv(in_ch: int, mid: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_ch, mid, 3, padding=1), nn.LeakyReLU(LRELU, inplace=True),
                         nn.Conv2d(mid, out_ch, 3, padding=1))


class MRB(nn.Module):
    """Refines the full-res flow (and the feature) at 1/8 with the correlation and the context."""

    def __init__(self, hidden: int, flow_dim: int, corr_dim: int, corr_dim2: int, fc_dim: int, feat_channels: int,
                 ctx_channels: int, corr_channels: int, use_ca: bool, use_sfa: bool, feat_head: bool,
                 softmax: Literal["channel", "spatial"] = "channel") -> None:
        super().__init__()
        self.use_ca = use_ca
        self.feat_channels = feat_channels
        if use_ca:
            self.convc1 = nn.Conv2d(corr_channels, corr_dim, 1)
            self.convc2 = nn.Conv2d(corr_dim, corr_dim2, 3, padding=1)
        self.convf1 = nn.Conv2d(4, 2 * flow_dim, 7, padding=3)
        self.convf2 = nn.Conv2d(2 * flow_dim, flow_dim, 3, padding=1)
        self.cfcm = CFCM(flow_dim + (corr_dim2 if use_ca else 0), ctx_channels, fc_dim, use_sfa, softmax)
        self.gru = _two_conv(fc_dim + 4 + feat_channels, hidden, hidden)
        self.flow_head = _two_conv(hidden, hidden, 4)
        self.feat_head = _two_conv(hidden, hidden, feat_channels) if feat_head else None

    def forward(self, flow: Tensor, feat: Tensor | None, corr: BidirCorrelation | None, ctx: Tensor | None,
                feat_down: int, skip_feat_head: bool = False) -> tuple[Tensor, Tensor | None]:
        flow8 = resize_flow(flow, 1 / 8)
        cmf = F.leaky_relu(self.convf2(F.leaky_relu(self.convf1(flow8), LRELU)), LRELU)
        if self.use_ca:
            assert corr is not None
            bcv = bidir_correlation_feature(corr, flow8)
            cor = F.leaky_relu(self.convc2(F.leaky_relu(self.convc1(bcv), LRELU)), LRELU)
            cmf = torch.cat([cmf, cor], dim=1)  # A7: flow feature first
        attn = self.cfcm(cmf, ctx)
        parts = [attn, flow8]
        if feat is not None:
            parts.append(resize(feat, 1 / feat_down))
        out = self.gru(torch.cat(parts, dim=1))
        refined = flow + resize_flow(self.flow_head(out), 8)
        if feat is None or skip_feat_head:
            return refined, None
        if self.feat_head is None:
            return refined, feat
        return refined, feat + resize(self.feat_head(out), feat_down)
