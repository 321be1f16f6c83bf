"""key=value overrides: misspelled keys are rejected with suggestions, new keys need ``+``."""

import pytest
from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from d2track.config import ConfigOverrideError, apply_overrides, load_config, validate_overrides


class Base:
    def __init__(self, *, alpha=1, beta=2):
        self.alpha, self.beta = alpha, beta


class Child(Base):
    def __init__(self, *, gamma=3, **kwargs):
        super().__init__(**kwargs)
        self.gamma = gamma


def build(x, **kwargs):
    return x, kwargs


def make_cfg():
    return OmegaConf.create(
        {
            "train": {"max_iter": 400, "eval_period": 100, "output_dir": "out", "device": "???"},
            "model": L(Child)(gamma=5, head=L(Base)(alpha=0)),
            "tracker": {"_target_": "d2track.tracking.ByteTracker", "high_score_thr": 0.6},
            "loader": L(build)(x=1),
            "stages": [{"depth": 2}, {"depth": 3}],
        },
        flags={"allow_objects": True},
    )


def error_of(overrides):
    cfg = make_cfg()
    with pytest.raises(ConfigOverrideError) as info:
        apply_overrides(cfg, overrides)
    assert cfg == make_cfg(), "a rejected override list must leave the config unchanged"
    return str(info.value)


def test_misspelled_key_is_rejected_with_closest_keys():
    message = error_of(["train.eval_period=5", "train.max_itr=3"])
    assert message.startswith("unknown config key 'train.max_itr' in override 'train.max_itr=3'")
    assert "did you mean: train.max_iter" in message
    assert "'+train.max_itr=3'" in message


def test_misspelled_parent_and_target_argument_get_suggestions():
    assert "did you mean: train.max_iter" in error_of(["trian.max_iter=3"])
    # gamma is set in the config; alpha only exists as an argument of Base (through **kwargs)
    assert "did you mean: model.alpha" in error_of(["model.alpah=3"])
    assert "did you mean: tracker.init_track_thr" in error_of(["tracker.init_track_th=0.5"])


def test_valid_overrides_apply():
    cfg = apply_overrides(
        make_cfg(),
        ["train.max_iter=3", "train.device=cpu", "model.head.alpha=7", "stages.1.depth=9"],
    )
    assert cfg.train.max_iter == 3 and cfg.train.device == "cpu"
    assert cfg.model.head.alpha == 7 and cfg.stages[1].depth == 9


def test_unset_arguments_of_lazycall_targets_are_allowed():
    cfg = apply_overrides(
        make_cfg(),
        [
            "model.beta=4",  # Base's, reached through Child's **kwargs
            "model.head.beta=6",
            "tracker.num_frames_retain=[10,30]",  # the _target_ is a string
            "loader.anything=1",  # a function's **kwargs take any keyword
        ],
    )
    assert (cfg.model.beta, cfg.model.head.beta, cfg.loader.anything) == (4, 6, 1)
    assert list(cfg.tracker.num_frames_retain) == [10, 30]
    for key in ["model.head.gamma", "train.beta", "stages.2.depth", "train.max_iter.x"]:
        assert f"unknown config key '{key}'" in error_of([f"{key}=1"])


def test_plus_adds_a_new_key_and_plus_plus_adds_or_changes():
    cfg = apply_overrides(
        make_cfg(), ["+train.seed=3", "+model.extra.depth=2", "++train.max_iter=5"]
    )
    assert cfg.train.seed == 3 and cfg.model.extra.depth == 2 and cfg.train.max_iter == 5
    assert apply_overrides(make_cfg(), ["++train.new=1"]).train.new == 1
    message = error_of(["+train.max_iter=3"])
    assert "'train.max_iter' already exists" in message and "'train.max_iter=3'" in message


def test_deletion_and_bad_syntax_are_clear_errors():
    assert "deleting keys is not supported" in error_of(["~train.max_iter"])
    assert error_of(["train.max_iter"]).startswith("invalid override")


def test_validate_does_not_change_the_config():
    cfg = make_cfg()
    validate_overrides(cfg, ["train.max_iter=3", "+train.seed=1"])
    assert cfg == make_cfg()


def test_load_config_exits_with_a_one_line_message(tmp_path):
    config = tmp_path / "tiny.py"
    config.write_text("train = dict(max_iter=400, output_dir='out')\n")
    assert load_config(str(config), ["train.max_iter=3"]).train.max_iter == 3
    with pytest.raises(SystemExit) as info:
        load_config(str(config), ["train.max_itr=3"])
    assert str(info.value).startswith("error: unknown config key 'train.max_itr'")
    assert "did you mean: train.max_iter?" in str(info.value)


def test_keys_detectron2_reads_with_a_default_are_known():
    cfg = apply_overrides(make_cfg(), ["train.seed=7", "train.cudnn_benchmark=true"])
    assert cfg.train.seed == 7 and cfg.train.cudnn_benchmark is True
    assert "did you mean: train.seed" in error_of(["train.sed=7"])
