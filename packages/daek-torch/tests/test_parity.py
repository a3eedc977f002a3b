"""Forward parity against ../shared/fixtures/daek at the fixtures' own tolerances."""

from __future__ import annotations

from functools import lru_cache

import pytest
import torch
from fixtures import (DAEK_SET, assert_checksum, assert_close, case, formula_state_dict, inputs, listing, manifest,
                      outputs, tolerance)

import daek_torch
from daek_torch.model import DAEK
from daek_torch.bcv import BidirCorrelation, bidir_correlation_feature
from daek_torch.ops import coords_grid

pytestmark = pytest.mark.skipif(not (DAEK_SET / "manifest.json").is_file(), reason=f"no fixtures at {DAEK_SET}")


@lru_cache(maxsize=1)
def _state() -> dict[str, torch.Tensor]:
    return formula_state_dict()


def fixture_model() -> DAEK:
    """A fresh final-configuration DAEK with the fixture weights (fresh: train mode changes BN stats)."""
    model = daek_torch.create_model("daek")
    missing, unexpected = model.load_state_dict(_state(), strict=True)
    assert not missing and not unexpected
    return model


def test_state_dict_names_and_order_match_the_spec() -> None:
    model = daek_torch.create_model("daek")
    assert list(model.state_dict().keys()) == [e["name"] for e in listing()]
    for e in listing():
        assert list(model.state_dict()[e["name"]].shape) == e["shape"], e["name"]


def test_param_counts_match_every_ablation_row() -> None:
    c = case("param_counts")
    rename = {"feat_ch": "feat_channels"}
    checked = 0
    for name, row in c["params"]["configs"].items():
        overrides = {rename.get(k, k): ("none" if v is None else v) for k, v in row["daek_kwargs_overrides"].items()}
        counts = DAEK(daek_torch.resolve_config("daek", **overrides)).parameter_counts()
        want = c["scalar_outputs"][name]
        assert (counts["total"], counts["student"]) == (want["total"], want["student"]), name
        for module, n in want["modules"].items():
            got = sum(v for k, v in counts.items() if k == f"module:{module}" or k.startswith(f"module:{module}."))
            assert got == n, f"{name}: {module} has {got} parameters, the fixture {n}"
        checked += 1
    assert checked >= 9


def test_meb() -> None:
    c = case("meb")
    model = fixture_model().eval()
    i = inputs(c)
    with torch.no_grad():
        flow, mask, feat = model.block1(i["x"], i["flow"], 2, i["feat"], 4)
    o = outputs(c)
    assert_close(flow, o["flow_d"], tolerance(c, "flow_d"), "meb flow_d")
    assert_close(mask, o["mask_d"], tolerance(c, "mask_d"), "meb mask_d")
    assert feat is not None
    assert_close(feat, o["feat_out"], tolerance(c, "feat_out"), "meb feat_out")


def test_encoders_eval_train_and_running_stats() -> None:
    c = case("encoders")
    model = fixture_model()
    i = inputs(c)
    o = outputs(c)
    assert model.fnet is not None and model.cnet is not None
    model.eval()
    with torch.no_grad():
        assert_close(model.fnet([i["img0"]])[0], o["fnet_out"], tolerance(c, "fnet_out"), "fnet_out")
        assert_close(model.cnet([i["img0"]])[0], o["cnet_eval_out"], tolerance(c, "cnet_eval_out"), "cnet_eval_out")
        model.cnet.train()
        c0, c1 = model.cnet([i["img0"], i["img1"]])
    assert_close(c0, o["cnet_train_out0"], tolerance(c, "cnet_train_out0"), "cnet_train_out0")
    assert_close(c1, o["cnet_train_out1"], tolerance(c, "cnet_train_out1"), "cnet_train_out1")
    mean, var = _running_stats(model.cnet)
    assert_close(mean, o["cnet_running_mean_after"], tolerance(c, "cnet_running_mean_after"), "running_mean")
    assert_close(var, o["cnet_running_var_after"], tolerance(c, "cnet_running_var_after"), "running_var")


def _running_stats(cnet: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    bns = []
    for m in cnet.modules():  # unique modules, state-dict order (norm3 once)
        if isinstance(m, torch.nn.BatchNorm2d) and all(m is not b for b in bns):
            bns.append(m)
    return torch.cat([b.running_mean for b in bns]), torch.cat([b.running_var for b in bns])


def test_bidirectional_correlation() -> None:
    c = case("daek_corr")
    i = inputs(c)
    corr = BidirCorrelation(i["fmap0"], i["fmap1"], 4, 3)
    bcv = bidir_correlation_feature(corr, i["flow8"])
    assert_close(bcv, outputs(c)["bcv"], tolerance(c, "bcv"), "bcv")
    b, _, h, w = i["flow8"].shape
    assert_close(coords_grid(b, h, w, bcv.device) + 2 * i["flow8"][:, 2:4], torch.from_numpy(
        __import__("numpy").load(DAEK_SET / "daek_corr" / "coords0.npy")), 1e-5, "coords0")


def test_cfcm() -> None:
    c = case("cfcm")
    model = fixture_model()
    assert model.mrb is not None
    i = inputs(c)
    with torch.no_grad():
        attn = model.mrb[1].cfcm(i["cmf"], i["ctx"])
    assert_close(attn, outputs(c)["attn"], tolerance(c, "attn"), "attn")


def test_mrb() -> None:
    c = case("mrb")
    model = fixture_model()
    assert model.mrb is not None
    i = inputs(c)
    with torch.no_grad():
        corr = BidirCorrelation(i["fmap0"], i["fmap1"], 4, 3)
        flow, feat = model.mrb[1](i["flow"], i["feat"], corr, i["ctx"], 2)
    o = outputs(c)
    assert feat is not None
    assert_close(flow, o["flow_out"], tolerance(c, "flow_out"), "flow_out")
    assert_close(feat, o["feat_out"], tolerance(c, "feat_out"), "feat_out")


def test_student_inference() -> None:
    c = case("daek_student")
    model = fixture_model().eval()
    i = inputs(c)
    with torch.no_grad():
        out = model(i["img0"], i["img1"])
    o = outputs(c)
    for k in range(3):
        assert_close(out.flows[k], o[f"flow{k}"], tolerance(c, f"flow{k}"), f"flow{k}")
    assert_close(out.masks[2], o["mask"], tolerance(c, "mask"), "mask")
    assert_close(out.blends[0], o["merged0"], tolerance(c, "merged0"), "merged0")
    assert_close(out.blends[1], o["merged1"], tolerance(c, "merged1"), "merged1")
    assert_close(out.output, o["merged2"], tolerance(c, "merged2"), "merged2")
    assert out.teacher is None and out.distill_terms is None


def test_training_forward_teacher_batchnorm_and_losses() -> None:
    c = case("daek_train")
    model = fixture_model().train()
    i = inputs(c)
    with torch.no_grad():
        out = model(i["img0"], i["img1"], i["gt"])
    o = outputs(c)
    assert out.teacher is not None and out.distill_terms is not None
    assert_close(out.flows[2], o["flow2"], tolerance(c, "flow2"), "flow2")
    assert_close(out.masks[2], o["mask"], tolerance(c, "mask"), "mask")
    assert_close(out.output, o["merged2"], tolerance(c, "merged2"), "merged2")
    assert_close(out.teacher.flow, o["flow_teacher"], tolerance(c, "flow_teacher"), "flow_teacher")
    assert_close(out.teacher.merged, o["merged_teacher"], tolerance(c, "merged_teacher"), "merged_teacher")
    assert model.cnet is not None
    mean, var = _running_stats(model.cnet)
    assert_close(mean, o["cnet_running_mean_after"], tolerance(c, "cnet_running_mean_after"), "running_mean")
    assert_close(var, o["cnet_running_var_after"], tolerance(c, "cnet_running_var_after"), "running_var")
    checks = c["checksum_outputs"]
    abs_tol = manifest()["suggested_tolerances"]["daek_train"]["abs"]
    got = {"flow0": out.flows[0], "flow1": out.flows[1], "merged0": out.blends[0], "merged1": out.blends[1],
           "blend2_before_unet": out.blends[2]}
    for name, stats in checks.items():
        tol = abs_tol.get(name, abs_tol["merged0"] if "blend" in name else 1e-3)
        assert_checksum(got[name], stats, tol, name)
    s = c["scalar_outputs"]
    rel = c["suggested_tolerance_rel_scalars"]
    rec = daek_torch.lap_loss(out.output, i["gt"])
    rec_tea = daek_torch.lap_loss(out.teacher.merged, i["gt"])
    dis = out.distill_terms[0] + out.distill_terms[1] + out.distill_terms[2]
    total = daek_torch.total_loss(rec, rec_tea, dis, s["lambda"])
    values = {"L_rec": rec, "L_rec_tea": rec_tea, "L_dis": dis, "L": total,
              **{f"L_dis_stage{k}": out.distill_terms[k] for k in range(3)}}
    for name, value in values.items():
        err = abs(value.item() - s[name]) / abs(s[name])
        assert err <= rel[name], f"{name}: {value.item()} vs {s[name]} (relative error {err:.3g} > {rel[name]})"
