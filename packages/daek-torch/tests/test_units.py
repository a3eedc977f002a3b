"""Unit tests: the phase transposed convolution, presets, AdamW, the schedule, a gradient check."""

from __future__ import annotations

import math

import pytest
import torch

import daek_torch
from daek_torch.layers import ConvTranspose2d


def test_phase_conv_transpose_equals_torch_conv_transpose() -> None:
    torch.manual_seed(0)
    ours = ConvTranspose2d(5, 7).double()
    ref = torch.nn.ConvTranspose2d(5, 7, 4, 2, 1).double()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 5, 6, 9, dtype=torch.float64, requires_grad=True)
    y, y_ref = ours(x), ref(x)
    assert y.shape == (2, 7, 12, 18)
    assert (y - y_ref).abs().max().item() < 1e-12
    g = torch.randn_like(y)
    (gx, gw), (gx_ref, gw_ref) = (torch.autograd.grad((out * g).sum(), [x, m.weight])
                                  for out, m in ((y, ours), (y_ref, ref)))
    assert (gx - gx_ref).abs().max().item() < 1e-12
    assert (gw - gw_ref).abs().max().item() < 1e-12


def test_conv_transpose_default_init_matches_torch_bounds() -> None:
    m = ConvTranspose2d(64, 3)
    bound = 1 / math.sqrt(3 * 16)
    assert m.weight.abs().max().item() <= bound and m.bias.abs().max().item() <= bound


def test_every_preset_builds_and_unknown_names_are_named() -> None:
    assert "daek-s" in daek_torch.list_models() and len(daek_torch.list_models()) == 12
    with pytest.raises(ValueError, match='Unknown DAEK preset "nope".*daek-s'):
        daek_torch.create_model("nope")
    with pytest.raises(ValueError, match="Unknown DAEK config field 'featChanels'"):
        daek_torch.create_model("daek-s", featChanels=3)
    with pytest.raises(ValueError, match="teacher"):
        daek_torch.create_model("daek-s", teacher="mine")
    m = daek_torch.create_model("daek-s", teacher="rife", featChannels=4)
    assert m.config.teacher == "rife" and m.config.feat_channels == 4


def test_config_round_trips_through_the_typescript_form() -> None:
    c = daek_torch.resolve_config("daek-s")
    ts = daek_torch.config_to_ts(c)
    assert ts["mebWidths"] == [64, 48, 32] and ts["mrb"]["fcDim"] == 48
    assert daek_torch.config_from_ts(ts) == c


@pytest.mark.parametrize("preset", ["daek-s"])
@pytest.mark.parametrize("teacher", ["ours", "rife", "none"])
def test_forward_shapes_every_teacher_mode(preset: str, teacher: str) -> None:
    torch.manual_seed(0)
    model = daek_torch.create_model(preset, teacher=teacher).train()
    img0, img1, gt = torch.rand(3, 2, 3, 64, 64).unbind(0)
    out = model(img0, img1, gt)
    assert out.output.shape == (2, 3, 64, 64) and len(out.flows) == 3 and out.flows[2].shape == (2, 4, 64, 64)
    assert out.mask_logit.shape == (2, 1, 64, 64) and len(out.merged) == 3
    assert (out.teacher is None) == (teacher == "none") and (out.distill_terms is None) == (teacher == "none")
    assert torch.isfinite(out.output).all()


def test_bad_inputs_get_named_errors() -> None:
    model = daek_torch.create_model("daek-s").eval()
    with pytest.raises(ValueError, match="multiples of 16"):
        model(torch.rand(1, 3, 70, 64), torch.rand(1, 3, 70, 64))
    with pytest.raises(ValueError, match=r"\[B,3,H,W\]"):
        model(torch.rand(1, 4, 64, 64), torch.rand(1, 4, 64, 64))
    with pytest.raises(ValueError, match="differ in shape"):
        model(torch.rand(1, 3, 64, 64), torch.rand(2, 3, 64, 64))


def test_learning_rate_schedule() -> None:
    lr = daek_torch.learning_rate
    assert lr(0, 10_000) == 0 and lr(1000, 10_000) == pytest.approx(5e-5)
    assert lr(2000, 10_000) == pytest.approx(1e-4) and lr(10_000, 10_000) == 1e-6
    assert lr(6000, 10_000) == pytest.approx((1e-4 - 1e-6) * 0.5 + 1e-6)
    with pytest.raises(ValueError, match="must exceed warmup"):
        lr(0, 100, warmup=100)


def test_adamw_matches_the_decoupled_update_of_daek_distill() -> None:
    """The update @daek/distill's AdamW performs, written out in float64, against torch's AdamW."""
    torch.manual_seed(1)
    p = torch.nn.Parameter(torch.randn(10, dtype=torch.float64))
    opt = daek_torch.adamw([p], lr=1e-2, weight_decay=1e-1)
    ref, m, v = p.detach().clone(), torch.zeros(10, dtype=torch.float64), torch.zeros(10, dtype=torch.float64)
    lr, b1, b2, eps, wd = 1e-2, 0.9, 0.999, 1e-8, 1e-1
    for step in range(1, 6):
        g = torch.randn(10, dtype=torch.float64)
        p.grad = g.clone()
        opt.step()
        ref = ref * (1 - lr * wd)
        m = m * b1 + g * (1 - b1)
        v = v * b2 + g * g * (1 - b2)
        denom = v.sqrt() / math.sqrt(1 - b2**step) + eps
        ref = ref - (lr / (1 - b1**step)) * m / denom
        assert (p.detach() - ref).abs().max().item() < 1e-14


@pytest.mark.parametrize(("what", "rel_tol"), [("student", 1e-6), ("teacher", 1e-3)])
def test_gradient_matches_finite_differences(what: str, rel_tol: float) -> None:
    """Directional derivative over every parameter, float64, central differences with eps 1e-7.

    ``student``: L_rec of the training forward (MEBs, MRBs with correlation and CFCM, train-mode BatchNorm,
    synthesis, Laplacian loss). ``teacher``: the teacher's flow, which runs through far more (P)ReLU kinks at
    full resolution, so finite differences agree only to ~1e-4 there (measured 8.8e-5 relative).
    L_dis is not checked this way: its teacher flow is detached, which finite differences cannot see.
    """
    torch.manual_seed(3)
    model = daek_torch.create_model("daek-s").double().train()
    img0, img1, gt = torch.rand(3, 1, 3, 64, 64, dtype=torch.float64).unbind(0)
    params = list(model.parameters())

    def loss() -> torch.Tensor:
        out = model(img0, img1, gt)
        assert out.teacher is not None
        return daek_torch.lap_loss(out.output, gt) if what == "student" else out.teacher.flow.square().mean()

    grads = torch.autograd.grad(loss(), params, allow_unused=True)
    torch.manual_seed(5)
    direction = [torch.randn_like(p) for p in params]
    analytic = sum(float((g * d).sum()) for g, d in zip(grads, direction) if g is not None)
    eps = 1e-7
    with torch.no_grad():
        for p, d in zip(params, direction):
            p.add_(d, alpha=eps)
        plus = loss().item()
        for p, d in zip(params, direction):
            p.add_(d, alpha=-2 * eps)
        minus = loss().item()
    numeric = (plus - minus) / (2 * eps)
    assert abs(analytic - numeric) <= rel_tol * abs(numeric), (analytic, numeric)


def test_distillation_does_not_train_the_teacher() -> None:
    torch.manual_seed(4)
    model = daek_torch.create_model("daek-s").train()
    img0, img1, gt = torch.rand(3, 1, 3, 64, 64).unbind(0)
    out = model(img0, img1, gt)
    assert out.distill_terms is not None
    sum(out.distill_terms).backward()
    assert model.block_tea is not None and model.mrb_tea is not None
    teacher = list(model.block_tea.parameters()) + list(model.mrb_tea.parameters())
    assert all(p.grad is None or p.grad.abs().max().item() == 0 for p in teacher)
    assert any(p.grad is not None and p.grad.abs().max().item() > 0 for p in model.block2.parameters())
