"""The DAEK network (paper Fig. 1; spec §1.3 student, §2.1 teacher) with the spec's state-dict names."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .encoder import BasicEncoder
from .losses import distill_loss
from .meb import MEB
from .mrb import MRB
from .bcv import BidirCorrelation
from .ops import warp
from .presets import DaekConfig, resolve_config
from .synthesis import Contextnet, Unet


@dataclass
class TeacherOutputs:
    """The teacher branch (training only): flow [B,4,H,W], sigmoid mask [B,1,H,W], plain blend [B,3,H,W]."""

    flow: Tensor
    mask: Tensor
    merged: Tensor


@dataclass
class NetworkOutputs:
    """@daek/models' ``NetworkOutputs`` in snake_case, NCHW.

    ``blends`` are the three stage blends (the last before the synthesis residual), ``output`` the interpolated
    frame. ``merged`` is RIFE's list: the first two blends and the output.
    """

    flows: list[Tensor]
    masks: list[Tensor]
    blends: list[Tensor]
    output: Tensor
    mask_logit: Tensor
    teacher: TeacherOutputs | None
    distill_terms: list[Tensor] | None

    @property
    def merged(self) -> list[Tensor]:
        """RIFE's ``merged``: ``[blend0, blend1, output]``."""
        return [self.blends[0], self.blends[1], self.output]


def _warp_and_blend(img0: Tensor, img1: Tensor, flow: Tensor, logit: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    mask = torch.sigmoid(logit)
    w0 = warp(img0, flow[:, 0:2])
    w1 = warp(img1, flow[:, 2:4])
    return w0, w1, mask, w0 * mask + w1 * (1 - mask)


class DAEK(nn.Module):
    """DAEK: three MEBs coarse to fine, each followed by an MRB, RIFE's synthesis, and the privileged teacher.

    ``model(img0, img1, gt=None)`` takes ``[B,3,H,W]`` float in [0,1], H and W multiples of 16 and at least 64
    (pad to a multiple of 32, and to 128 for frames below that, as @daek/models' interpolator does). With ``gt``
    and a teacher it also runs the teacher and returns the distillation terms. BatchNorm (cnet) follows
    ``model.train()`` / ``model.eval()``.
    """

    def __init__(self, config: DaekConfig | None = None) -> None:
        super().__init__()
        c = config or resolve_config()
        self.config = c
        fc = c.feat_channels
        w = c.meb_widths
        self.block0 = MEB(6, w[0], fc)
        self.block1 = MEB(13 + fc + 4, w[1], fc)
        self.block2 = MEB(13 + fc + 4, w[2], fc)
        teacher_mrb = c.teacher == "ours"
        need_parts = c.use_mrb or teacher_mrb
        self.fnet = BasicEncoder(c.fnet_dim, "instance", c.encoder_widths) if need_parts and c.use_ca else None
        self.cnet = BasicEncoder(c.cnet_dim, "batch", c.encoder_widths) if need_parts and c.use_sfa else None

        def make_mrb(feat_head: bool) -> MRB:
            m = c.mrb
            return MRB(m.hidden, m.flow_dim, m.corr_dim, m.corr_dim2, m.fc_dim, fc, 2 * c.cnet_dim,
                       2 * c.corr_levels * (2 * c.corr_radius + 1) ** 2, c.use_ca, c.use_sfa, feat_head, c.softmax)

        self.mrb = nn.ModuleList([make_mrb(fc > 0) for _ in range(3)]) if c.use_mrb else None
        if c.teacher == "ours":
            self.block_tea: MEB | None = MEB(16 + fc + 4, c.teacher_width, fc)
            self.mrb_tea: MRB | None = make_mrb(False)
        elif c.teacher == "rife":
            self.block_tea = MEB(16 + 4, c.teacher_width, 0)
            self.mrb_tea = None
        else:
            self.block_tea = None
            self.mrb_tea = None
        self.contextnet = Contextnet(c.synthesis_width)
        self.unet = Unet(c.synthesis_width)

    def forward(self, img0: Tensor, img1: Tensor, gt: Tensor | None = None) -> NetworkOutputs:
        _check_inputs(img0, img1, gt)
        c = self.config
        run_teacher = gt is not None and self.block_tea is not None
        need_mrb = self.mrb is not None or (run_teacher and self.mrb_tea is not None)
        corr: BidirCorrelation | None = None
        ctx: Tensor | None = None
        if need_mrb and self.fnet is not None:
            fmap0, fmap1 = self.fnet([img0, img1])
            corr = BidirCorrelation(fmap0, fmap1, c.corr_levels, c.corr_radius)
        if need_mrb and self.cnet is not None:
            ctx = torch.cat(self.cnet([img0, img1]), dim=1)
        flows: list[Tensor] = []
        masks: list[Tensor] = []
        blends: list[Tensor] = []
        flow: Tensor | None = None
        logit: Tensor | None = None
        feat: Tensor | None = None
        w0, w1 = img0, img1
        blocks = (self.block0, self.block1, self.block2)
        for k in range(3):
            scale = c.scales[k]
            if flow is None or logit is None:
                flow, logit, feat = blocks[k](torch.cat([img0, img1], dim=1), None, scale)
            else:
                x = torch.cat([img0, img1, w0, w1, logit], dim=1)
                fd, md, feat = blocks[k](x, flow, scale, feat, 2 * c.scales[k - 1] / scale)
                flow = flow + fd
                logit = logit + md
            if self.mrb is not None:
                skip = k == 2 and not (run_teacher and self.mrb_tea is not None)
                flow, feat = self.mrb[k](flow, feat, corr, ctx, 2**k, skip_feat_head=skip)
            w0, w1, mask, merged = _warp_and_blend(img0, img1, flow, logit)
            flows.append(flow)
            masks.append(mask)
            blends.append(merged)
        assert flow is not None and logit is not None
        teacher: TeacherOutputs | None = None
        terms: list[Tensor] | None = None
        if gt is not None and self.block_tea is not None:
            teacher = self._teacher(img0, img1, gt, w0, w1, flow, logit, feat, corr, ctx)
            terms = distill_loss(teacher.flow, teacher.merged, flows, blends, gt, form="l1")
        c0 = self.contextnet(img0, flow[:, :2])
        c1 = self.contextnet(img1, flow[:, 2:4])
        res = self.unet(img0, img1, w0, w1, logit, flow, c0, c1) * 2 - 1
        output = torch.clamp(blends[2] + res, 0, 1)
        return NetworkOutputs(flows, masks, blends, output, logit, teacher, terms)

    def _teacher(self, img0: Tensor, img1: Tensor, gt: Tensor, w0: Tensor, w1: Tensor, flow: Tensor, logit: Tensor,
                 feat: Tensor | None, corr: BidirCorrelation | None, ctx: Tensor | None) -> TeacherOutputs:
        assert self.block_tea is not None
        ours = self.mrb_tea is not None
        x = torch.cat([img0, img1, w0, w1, logit, gt], dim=1)
        fd, md, feat_t = self.block_tea(x, flow, 1, feat if ours else None, 2)
        flow_t = flow + fd
        if self.mrb_tea is not None:
            flow_t, _ = self.mrb_tea(flow_t, feat_t, corr, ctx, 4)
        _, _, mask, merged = _warp_and_blend(img0, img1, flow_t, logit + md)
        return TeacherOutputs(flow_t, mask, merged)

    def student_state_dict(self) -> dict[str, Tensor]:
        """The state dict without the teacher (``block_tea.*``, ``mrb_tea.*``): what inference needs."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith(("block_tea.", "mrb_tea."))}

    def parameter_counts(self) -> dict[str, int]:
        """``total`` (student + teacher), ``student`` and ``teacher``, counted as spec §5 does."""
        modules: dict[str, int] = {}
        for name, p in self.named_parameters():
            parts = name.split(".")
            key = f"{parts[0]}.{parts[1]}" if parts[0] == "mrb" else parts[0]
            modules[key] = modules.get(key, 0) + p.numel()
        total = sum(modules.values())
        names = ["block0", "block1", "block2", "contextnet", "unet"]
        if self.config.use_mrb:
            names += ["mrb.0", "mrb.1", "mrb.2", "fnet", "cnet"]
        student = sum(modules.get(n, 0) for n in names)
        return {"total": total, "student": student, "teacher": total - student, **{f"module:{k}": v for k, v in modules.items()}}


def _check_inputs(img0: Tensor, img1: Tensor, gt: Tensor | None) -> None:
    for name, t in (("img0", img0), ("img1", img1), ("gt", gt)):
        if t is None:
            continue
        if not isinstance(t, Tensor) or t.dim() != 4 or t.shape[1] != 3:
            got = list(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"DAEK: {name} must be a [B,3,H,W] tensor, got {got}.")
        if not t.is_floating_point():
            raise ValueError(f"DAEK: {name} must be a float tensor in [0,1], got {t.dtype}.")
    if img1.shape != img0.shape or (gt is not None and gt.shape != img0.shape):
        raise ValueError(f"DAEK: frames differ in shape: img0 {list(img0.shape)}, img1 {list(img1.shape)}"
                         + (f", gt {list(gt.shape)}" if gt is not None else "") + ".")
    h, w = img0.shape[2:]
    if h % 16 or w % 16 or h < 64 or w < 64:
        raise ValueError(f"DAEK: H and W must be multiples of 16 and at least 64, got {h}x{w}. Pad first "
                         "(to a multiple of 32, replicate padding, and to at least 128 as @daek/models does).")
