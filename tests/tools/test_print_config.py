"""tools/analysis/print_config.py: every config in the repository, both formats, overrides."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools/analysis/print_config.py"
CONFIGS = sorted(
    [*REPO.glob("configs/**/*.py"), *REPO.glob("projects/*/configs/**/*.py")],
)
SELSA = "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py"


def _tool():
    spec = importlib.util.spec_from_file_location("print_config", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


print_config = _tool()


def test_every_config_is_found():
    assert len(CONFIGS) > 100


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_prints_every_config_as_python_and_yaml(path, capsys):
    try:
        print_config.main([str(path)])
    except SystemExit as e:
        # only a project's configs/common modules of config functions may define no keys
        assert "defines no config keys" in str(e), e
        assert path.parent.name == "common" and path.parts[-5] == "projects", path
        return
    text = capsys.readouterr().out
    assert text.strip(), path
    print_config.main([str(path), "--format", "yaml"])
    loaded = yaml.safe_load(capsys.readouterr().out)
    assert isinstance(loaded, dict) and loaded


def test_overrides_are_applied_and_targets_are_import_paths(capsys):
    print_config.main([str(REPO / SELSA), "--format", "yaml", "train.max_iter=7"])
    cfg = yaml.safe_load(capsys.readouterr().out)
    assert cfg["train"]["max_iter"] == 7
    # a dataclass target (LazyCall stores it as a string) and a class target
    assert cfg["model"]["memory"]["sampler"]["_target_"] == "d2track.data.RefSampler"
    assert cfg["optimizer"]["_target_"] == "torch.optim.SGD"
    print_config.main([str(REPO / SELSA), "train.max_iter=7"])
    text = capsys.readouterr().out
    assert "cfg.train.max_iter=7" in text
    assert "d2track.data.RefSampler(" in text


def test_output_file(tmp_path):
    out = tmp_path / "sub" / "cfg.yaml"
    print_config.main([str(REPO / SELSA), "--format", "yaml", "--output", str(out)])
    assert yaml.safe_load(out.read_text())["train"]["max_iter"] == 400
    assert sorted(p.name for p in out.parent.iterdir()) == ["cfg.yaml"]


def test_unknown_key_and_missing_file_are_errors():
    with pytest.raises(SystemExit, match="unknown config key 'train.max_itr'.*train.max_iter"):
        print_config.main([str(REPO / SELSA), "train.max_itr=3"])
    with pytest.raises(SystemExit, match="nope.py' not found"):
        print_config.main(["nope.py"])


def test_help_runs():
    result = subprocess.run(
        [sys.executable, str(TOOL), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "--format" in result.stdout
