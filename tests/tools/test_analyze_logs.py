"""tools/analysis/analyze_logs.py on hand-made Detectron2 metrics.json files."""

import json
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools/analysis/analyze_logs.py"

# run_a: 4 training lines every 20 iterations, an evaluation line, then a line cut by a kill
RUN_A = [
    dict(iteration=19, total_loss=2.0, loss_cls=1.0, lr=0.01, time=0.5, data_time=0.01),
    dict(iteration=39, total_loss=1.5, loss_cls=0.8, lr=0.01, time=0.2, data_time=0.01),
    dict(iteration=59, total_loss=1.0, loss_cls=0.5, lr=0.01, time=0.3, data_time=0.01),
    dict(iteration=79, total_loss=0.8, loss_cls=0.4, lr=0.01, time=0.25, data_time=0.01),
    {"iteration": 80, "bbox/AP50": 42.0},
]
RUN_B = [
    dict(iteration=19, total_loss=3.0, time=0.4),
    dict(iteration=39, total_loss=2.5, time=0.6),
    {"iteration": 40, "bbox/AP50": 30.0},
]
PNG, PDF = b"\x89PNG\r\n\x1a\n", b"%PDF-"


@pytest.fixture(scope="module")
def main():
    return runpy.run_path(str(TOOL), run_name="analyze_logs")["main"]


def write_log(folder, records, tail=""):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "metrics.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail)
    return str(path)


@pytest.fixture
def logs(tmp_path):
    a = write_log(tmp_path / "run_a", RUN_A, tail='{"iteration": 99, "total_l')
    return a, write_log(tmp_path / "run_b", RUN_B)


def test_cal_train_time_drops_the_first_record(main, logs, capsys):
    stats = main(["cal_train_time", *logs])
    a = stats[logs[0]]
    assert a["count"] == 3 and a["mean"] == pytest.approx(0.25)
    assert a["std"] == pytest.approx((0.05**2 * 2 / 3) ** 0.5)
    assert a["slowest"] == (59, pytest.approx(0.3)) and a["fastest"] == (39, pytest.approx(0.2))
    b = stats[logs[1]]
    assert b["count"] == 1 and b["mean"] == pytest.approx(0.6) and b["std"] == 0.0
    out, err = capsys.readouterr()
    assert f"-----Analyze train time of {logs[0]}-----" in out
    assert "slowest iteration 59: 0.3000 s/iter" in out
    assert "fastest iteration 39: 0.2000 s/iter" in out
    assert "average iter time: 0.2500 s/iter (3 records, the first left out" in out
    assert f"warning: {logs[0]}:6: skipped" in err  # the torn last line


def test_cal_train_time_include_outliers(main, logs, capsys):
    a = main(["cal_train_time", logs[0], "--include-outliers"])[logs[0]]
    assert a["count"] == 4 and a["mean"] == pytest.approx(0.3125)
    assert a["slowest"] == (19, pytest.approx(0.5))
    assert "average iter time: 0.3125 s/iter (4 records)\n" in capsys.readouterr().out


def test_one_time_record_needs_include_outliers(main, tmp_path):
    log = write_log(tmp_path / "short", RUN_B[:1])
    with pytest.raises(SystemExit, match="one 'time' record only.*--include-outliers"):
        main(["cal_train_time", log])


@pytest.mark.parametrize("suffix, magic", [(".png", PNG), (".pdf", PDF)])
def test_plot_curve_overlays_runs_and_keys(main, logs, tmp_path, suffix, magic):
    out = tmp_path / "figs" / f"curves{suffix}"
    figure = main(["plot_curve", *logs, "--keys", "total_loss", "bbox/AP50", "--out", str(out)])
    assert out.read_bytes().startswith(magic) and out.stat().st_size > 1000
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary file left
    lines = figure.axes[0].get_lines()
    labels = ["run_a_total_loss", "run_a_bbox/AP50", "run_b_total_loss", "run_b_bbox/AP50"]
    assert [line.get_label() for line in lines] == labels
    assert list(lines[0].get_xdata()) == [19, 39, 59, 79]  # the torn line is not plotted
    assert list(lines[0].get_ydata()) == [2.0, 1.5, 1.0, 0.8]
    assert list(lines[1].get_xdata()) == [80] and list(lines[1].get_ydata()) == [42.0]
    assert figure.axes[0].get_xlabel() == "iteration"


def test_plot_curve_legend_and_title(main, logs, tmp_path):
    out = str(tmp_path / "lr.png")
    args = ["--keys", "lr", "--legend", "SELSA lr", "--title", "T", "--out", out]
    figure = main(["plot_curve", logs[0], *args])
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["SELSA lr"]
    assert figure.axes[0].get_title() == "T"


def test_plot_curve_needs_out_without_display(main, logs, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SystemExit, match="no display.*give --out FILE.png"):
        main(["plot_curve", logs[0], "--keys", "lr"])


def test_missing_key_names_the_log_and_its_keys(main, logs, tmp_path):
    out = tmp_path / "x.png"
    with pytest.raises(SystemExit) as error:
        main(["plot_curve", *logs, "--keys", "loss_cls", "--out", str(out)])
    message = str(error.value)
    assert f"{logs[1]}: no key 'loss_cls'; its keys: bbox/AP50, time, total_loss" in message
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--keys", "lr", "--legend", "a", "b"], "--legend has 2 labels; 1 logs x 1 keys need 1"),
        (["--keys", "lr", "--out", "x.bmpx"], "unknown figure format 'bmpx'; use .*png"),
    ],
)
def test_plot_curve_bad_options(main, logs, args, message):
    with pytest.raises(SystemExit, match=message):
        main(["plot_curve", logs[0], *args])


def test_bad_line_before_the_last_is_an_error(main, tmp_path):
    path = tmp_path / "bad" / "metrics.json"
    path.parent.mkdir()
    path.write_text('{"iteration": 1, "time": 1}\nnot json\n{"iteration": 2, "time": 1}\n')
    with pytest.raises(SystemExit, match=f"{path}:2: not a JSON line"):
        main(["cal_train_time", str(path)])
    with pytest.raises(SystemExit, match="no such log file"):
        main(["cal_train_time", str(tmp_path / "none.json")])


def test_a_second_run_appended_to_the_log_wins(main, tmp_path, capsys):
    log = write_log(tmp_path / "again", RUN_B[:2] + RUN_A[:3])
    stats = main(["cal_train_time", log, "--include-outliers"])[log]
    assert stats["count"] == 3 and stats["mean"] == pytest.approx(1.0 / 3)
    assert f"{log}:3: iteration 19 after 39: a new run" in capsys.readouterr().err


def test_help_shows_usage(main, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "plot_curve" in out and "cal_train_time" in out and "metrics.json" in out
