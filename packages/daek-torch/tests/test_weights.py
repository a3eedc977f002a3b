"""Weights flowing both ways: shipped tfjs daek-s -> PyTorch, PyTorch -> .pth -> @daek/models."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from fixtures import REPO

import daek_torch
from daek_torch.weights import WeightsError, load_into

SHIPPED = daek_torch.shipped_weights("daek-s")
NPX = shutil.which("npx")


def _frames(h: int = 128, w: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(7)
    base = torch.rand(1, 3, h // 8, w // 8, generator=g)
    img0 = torch.nn.functional.interpolate(base, size=(h, w), mode="bilinear", align_corners=False)
    img1 = torch.roll(img0, shifts=(2, 3), dims=(2, 3))
    return img0.contiguous(), img1.contiguous()


@pytest.mark.skipif(SHIPPED is None, reason="packages/models/weights/daek-s not found")
def test_shipped_daek_s_loads_with_the_teacher_left_fresh() -> None:
    model = daek_torch.create_model("daek-s", pretrained=True)
    state, meta = daek_torch.read_tfjs_weights(SHIPPED)
    assert meta["config"]["model"] == "daek-s" and len(state) == 363
    own = model.state_dict()
    for k, v in state.items():
        assert torch.equal(own[k], v), k
    assert list(state)[0] == "block0.conv0.0.0.weight" and own["block0.conv0.0.0.weight"].shape == (32, 6, 3, 3)


@pytest.mark.skipif(SHIPPED is None, reason="packages/models/weights/daek-s not found")
def test_shipped_weights_refuse_another_preset_and_a_corrupt_shard(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="another configuration"):
        daek_torch.load_tfjs_weights(daek_torch.create_model("daek-s", feat_channels=4), SHIPPED)
    assert SHIPPED is not None
    for f in SHIPPED.parent.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    shard = next(tmp_path.glob("*.bin"))
    data = bytearray(shard.read_bytes())
    data[1000] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="CRC32"):
        daek_torch.read_tfjs_weights(tmp_path / "model.json")


def test_checkpoint_from_another_preset_is_a_named_error() -> None:
    small = daek_torch.create_model("daek-s").state_dict()
    with pytest.raises(WeightsError, match="another preset"):
        load_into(daek_torch.create_model("daek-s", feat_channels=4), small)


@pytest.mark.skipif(NPX is None, reason="npx not found")
def test_pytorch_and_typescript_agree_both_ways(tmp_path: Path) -> None:
    """(1) a trained-looking .pth from PyTorch loads in createInterpolator({weights}) and gives PyTorch's output;
    (2) the shipped tfjs daek-s gives the same output in PyTorch (loaded by load_tfjs_weights) and in tfjs."""
    img0, img1 = _frames()
    torch.manual_seed(11)
    model = daek_torch.create_model("daek-s").eval()
    with torch.no_grad():  # move BN stats and Para off their init so every tensor matters
        for name, t in model.state_dict().items():
            if name.endswith(("running_mean", "para")):
                t.uniform_(-0.3, 0.3)
            elif name.endswith("running_var"):
                t.uniform_(0.5, 1.5)
    pth = tmp_path / "student.pth"
    daek_torch.save_pth(model, pth)
    np.concatenate([img0.numpy().ravel(), img1.numpy().ravel()]).astype("<f4").tofile(tmp_path / "in.f32")
    jobs = [{"model": "daek-s", "weights": str(pth), "input": str(tmp_path / "in.f32"), "shape": list(img0.shape),
             "output": str(tmp_path / "pth.f32")}]
    shipped = daek_torch.create_model("daek-s", pretrained=True).eval() if SHIPPED else None
    if SHIPPED:
        jobs.append({"model": "daek-s", "input": str(tmp_path / "in.f32"), "shape": list(img0.shape),
                     "output": str(tmp_path / "shipped.f32")})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    script = Path(__file__).resolve().parents[1] / "scripts" / "ts_forward.ts"
    run = subprocess.run([NPX, "tsx", "--conditions=@daek/source", str(script), str(tmp_path / "jobs.json")], cwd=REPO,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    for net, out_file in ((model, "pth.f32"), (shipped, "shipped.f32")):
        if net is None:
            continue
        with torch.no_grad():
            out = net(img0, img1)
        ts = np.fromfile(tmp_path / out_file, dtype="<f4")
        n = out.output.numel()
        frame = torch.from_numpy(ts[:n].reshape(out.output.shape))
        flow = torch.from_numpy(ts[n:].reshape(out.flows[2].shape))
        assert (frame - out.output).abs().max().item() <= 1e-4, out_file
        assert (flow - out.flows[2]).abs().max().item() <= 1e-3, out_file


def test_onnx_export_of_the_student(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from daek_torch.export_onnx import export_onnx

    model = daek_torch.create_model("daek-s").eval()
    path = export_onnx(model, tmp_path / "daek-s.onnx", height=128, width=128)
    graph = onnx.load(str(path))
    onnx.checker.check_model(graph)
    assert [i.name for i in graph.graph.input] == ["img0", "img1"]
    assert [o.name for o in graph.graph.output] == ["output"]
    assert model.training is False
