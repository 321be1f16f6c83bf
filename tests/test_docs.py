"""Every code block of ``docs/*.md`` runs as written (``tests/test_docs_paths.py`` checks the
repo paths and ``d2track`` names they mention), and the model zoo's rows hold.

Which fences run: exactly ```` ```python ```` and ```` ```bash ````. Every other fence
(```` ```text ````, ```` ```console ```` output, ```` ```json ```` or ```` ```yaml ```` shown as a
file, ...) is shown, not run. Every page of ``docs/`` is collected, including pages added later.

How a page runs (:func:`run_page`): its blocks run in order, in a fresh working directory that
looks like the repository root to the commands (links to ``.venv``, ``tools/``, ``configs/``,
``projects/``, ``scripts/`` and the ``datasets/`` scripts; everything written stays there), with
``$DETECTRON2_DATASETS`` from the ``_datasets_root`` fixture and one torch thread. The python
blocks of a page are one Python session, as a reader pasting them into one interpreter: a block
sees the names of the blocks before it. A bash block runs with ``bash -e -o pipefail``. A page
fails at its first failing block, naming the file and the block's line.

Markers: an HTML comment on the line right before a fence (several may be stacked):

* ``<!-- docs-test: skip: REASON -->``: the block is not run; a reason is required and
  :func:`test_skipped_blocks_have_reasons` lists them all;
* ``<!-- docs-test: expect "TEXT" -->``: the block's output (stdout and stderr) must contain TEXT;
* ``<!-- docs-test: save PATH -->``: the block is written to PATH (relative to the working
  directory) instead of being run, as a reader saves a config or a module that later blocks use.

Hidden checks (:data:`CHECKS`): Python run in the page's session right after the block that
contains a given line, for results that the page only prints (values, files written).
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
RUN_LANGS = ("python", "bash")
LINKED = (".venv", "tools", "configs", "projects", "scripts")
MARKER_RE = re.compile(r"<!--\s*docs-test:\s*(skip|expect|save)\b:?\s*(.*?)\s*-->")
FENCE_RE = re.compile(r"^```(\S*)\s*$")
# (page, a line of the block) -> Python run in the page's session after that block.
CHECKS = {
    ("getting_started.md", "dicts = DatasetCatalog.get"): """
assert len(dicts) == 300 and len({d["video_id"] for d in dicts}) == 10
assert dicts[0]["frame_id"] == 0 and dicts[0]["video_length"] == 30
assert {"bbox", "category_id", "instance_id"} <= set(dicts[0]["annotations"][0])
""",
    ("getting_started.md", "--eval-only"): """
import json
r = json.load(open("output/first_run_eval/eval_results.json"))["bbox"]
assert set(r) >= {"bbox_mAP", "bbox_mAP_50"} and 0 <= r["bbox_mAP_50"] <= 100, r
""",
    ("getting_started.md", "predictor = VideoPredictor"): """
assert len(detections) == 30 and all(i.has("pred_boxes") for i in detections)
""",
    ("getting_started.md", "tracker = ByteTracker()"): """
assert len(ids) == len(gt) == 4 and sum(len(t) for t in tracks) == 120, ids
""",
    ("customize_datasets.md", "my_dicts = DatasetCatalog.get"): """
assert len(my_dicts) == 10 and [d["frame_id"] for d in my_dicts[:5]] == [0, 1, 2, 3, 4]
assert my_dicts[1]["annotations"][0]["bbox"] == [12.0, 20.0, 20.0, 20.0]
assert MetadataCatalog.get("my_videos").thing_classes == ["square"]
""",
    ("customize_datasets.md", "mot_dicts = DatasetCatalog.get"): """
assert [d["annotations"][0]["bbox"][0] for d in mot_dicts] == [10.0, 12.0, 14.0]
assert len({d["annotations"][0]["instance_id"] for d in mot_dicts}) == 1
""",
    ("data_pipeline.md", "rng = np.random.default_rng(0)"): """
fix = sample_ref_frames(0, 50, method="test_with_fix_stride", frame_range=[-3, 3])
spread = sample_ref_frames(0, 50, method="test_with_adaptive_stride", frame_range=[-7, 7])
assert fix == [0, 0, 0, 0, 1, 2, 3] and len(spread) == 14 and spread[-1] == 49
""",
    ("data_pipeline.md", "inputs = mapper(sample)"): """
assert inputs["image"].shape == (3, 128, 128) and len(inputs["ref_frames"]) == 1
assert key.gt_match_indices.shape == (len(key), 1)
assert key.gt_masks.tensor.shape[1:] == (128, 128)
""",
    ("data_pipeline.md", "images, transforms = augment_clip"): """
assert all((transforms.apply_image(f) == im).all() for f, im in zip(frames, images))
""",
    ("data_pipeline.md", "loader = build_video_test_loader"): """
assert len(seen) == 60 and seen[0] == (1, 0, 14) and seen[1] == (1, 1, 0)
assert seen[30] == (2, 0, 14)
""",
    ("data_pipeline.md", "crops = SOTTrainMapper"): """
assert crops["template"].shape == (3, 127, 127) and crops["search"].shape == (3, 255, 255)
""",
    ("data_pipeline.md", "batch = next(iter(instantiate(train_loader)))"): """
assert len(batch) == 4 and all(b["search"].shape == (3, 255, 255) for b in batch)
""",
    ("customize_models.md", "losses = model(batch)"): """
import torch
assert set(losses) == {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"}
assert all(torch.isfinite(v) for v in losses.values())
""",
    ("customize_models.md", "mot_scores = {}"): """
assert all(90 < s["HOTA"] <= 100 for s in mot_scores.values()), mot_scores
""",
    ("customize_models.md", "sot_scores = {}"): """
assert sot_scores["MedianFlowTracker"]["success"] > sot_scores["StaticBoxTracker"]["success"]
""",
    ("customize_models.md", "segm = evaluator.evaluate()"): """
assert segm["AP50"] == 100.0 and 90 < segm["AP"] < 100, segm
""",
    ("runtime_settings.md", "schedule = instantiate(cfg.lr_multiplier)"): """
lrs = [cfg.optimizer.lr * schedule(i / cfg.train.max_iter) for i in (0, 500, 28000, 70000)]
assert [round(v, 6) for v in lrs] == [0.003333, 0.01, 0.001, 0.0001], lrs
""",
    ("runtime_settings.md", "records = [json.loads(line)"): """
assert [r["iteration"] for r in steps] == list(range(8)), steps
assert [r["backbone_frozen"] for r in steps] == [1.0] * 3 + [0.0] * 5
names = {"model_0000002.pth", "model_0000005.pth", "model_best.pth", "model_final.pth"}
assert names <= set(os.listdir("output/hooks"))
""",
    ("faq.md", "boxes = torch.tensor([[50.0"): """
assert nms_rotated(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist() == [0, 2]
""",
    ("faq.md", 'apply_overrides(cfg, ["train.max_itr=3"])'): """
assert "did you mean: train.max_iter" in message
""",
    ("faq.md", "instantiate(cfg.model).check_weights()"): """
assert "model.detector_weights=PATH" in message
""",
    ("evaluation.md", "--results perfect_detections.json"): """
r = json.load(open("vid.json"))
assert r["bbox_mAP"] == r["bbox_mAP_50"] == 100.0 and r["bbox_mAP_l"] is None, r
""",
}


# --- parsing --------------------------------------------------------------------------------------


def parse_blocks(text):
    """The fenced blocks of a Markdown text.

    Returns:
        list[dict]: per block ``line`` (1-based line of the opening fence), ``lang``, ``code``
        and ``markers`` (``(kind, argument)`` of the marker comments right above it).
    """
    lines, blocks, i = text.splitlines(), [], 0
    while i < len(lines):
        match = FENCE_RE.match(lines[i])
        if not match:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise ValueError(f"line {i + 1}: unclosed code fence")
        code = "\n".join(lines[i + 1 : end]) + "\n"
        blocks.append(dict(line=i + 1, lang=match.group(1), code=code, markers=_markers(lines, i)))
        i = end + 1
    return blocks


def _markers(lines, fence):
    found, k = [], fence - 1
    while k >= 0 and MARKER_RE.search(lines[k]):
        kind, argument = MARKER_RE.search(lines[k]).groups()
        found.insert(0, (kind, argument.strip('"') if kind == "expect" else argument))
        k -= 1
    return found


def runnable_blocks(page):
    """The blocks of ``page`` the test runs or saves, with their hidden checks attached."""
    blocks = [b for b in parse_blocks(page.read_text()) if b["lang"] in RUN_LANGS]
    blocks = [b for b in blocks if not any(kind == "skip" for kind, _ in b["markers"])]
    for (name, line), check in CHECKS.items():
        if name == page.name:
            hits = [b for b in blocks if line in b["code"]]
            assert len(hits) == 1, f"CHECKS: {len(hits)} runnable blocks of {name} hold {line!r}"
            hits[0]["check"] = check
    return blocks


# --- running (in a child process: ``python tests/test_docs.py PAGE BLOCKS.json RESULT.json``) -----


class _Tee(io.TextIOBase):
    def __init__(self, stream):
        self.stream, self.buffer = stream, io.StringIO()

    def write(self, text):
        self.buffer.write(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()


def _run_python(code, where, session):
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        exec(compile(code, where, "exec"), session)
    sys.stdout.flush()
    return tee.buffer.getvalue()


def _run_bash(code):
    sys.stdout.flush()
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sys.stdout.write(result.stdout)
    if result.returncode:
        raise RuntimeError(f"bash exited with status {result.returncode}")
    return result.stdout


def _run_block(page, block, session):
    where = f"docs/{page}:{block['line']}"
    saves = [arg for kind, arg in block["markers"] if kind == "save"]
    if saves:
        Path(saves[0]).parent.mkdir(parents=True, exist_ok=True)
        Path(saves[0]).write_text(block["code"])
        return
    print(f"\n=== {where} (```{block['lang']})", flush=True)
    if block["lang"] == "python":
        output = _run_python(block["code"], where, session)
    else:
        output = _run_bash(block["code"])
    for kind, text in block["markers"]:
        if kind == "expect" and text not in output:
            raise AssertionError(f"expected {text!r} in the block's output")
    if block.get("check"):
        exec(compile(block["check"], f"{where} (hidden check)", "exec"), session)


def run_blocks(page, blocks_file, result_file):
    """Run a page's blocks in order; write ``{"failed": line or None, "error": str}``."""
    blocks = json.loads(Path(blocks_file).read_text())
    session = {"__name__": "__main__"}
    for block in blocks:
        try:
            _run_block(page, block, session)
        except BaseException:  # SystemExit too: a block must not end the session unnoticed
            error = traceback.format_exc()
            print(error, file=sys.stderr, flush=True)
            Path(result_file).write_text(json.dumps({"failed": block["line"], "error": error}))
            return 1
    Path(result_file).write_text(json.dumps({"failed": None, "error": ""}))
    return 0


# --- the working directory and the tests ----------------------------------------------------------


def make_workdir(path):
    """A folder where the docs' commands run as from the repository root, writing nothing there."""
    for name in LINKED:
        (path / name).symlink_to(REPO / name)
    (path / "datasets").mkdir()
    for script in [*REPO.glob("datasets/*.py"), REPO / "datasets" / "README.md"]:
        (path / "datasets" / script.name).symlink_to(script)
    return path


def run_page(page, workdir, timeout=600):
    """Run ``page``'s blocks in ``workdir``; return ``(result dict, combined output)``."""
    blocks_file, result_file = workdir / ".docs_blocks.json", workdir / ".docs_result.json"
    blocks_file.write_text(json.dumps(runnable_blocks(page)))
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    cmd = [sys.executable, __file__, page.name, str(blocks_file), str(result_file)]
    proc = subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
    result = json.loads(result_file.read_text()) if result_file.is_file() else {"failed": "?"}
    return result, proc.stdout + proc.stderr


# the index and the model zoo show no code to run (the zoo's commands need downloads)
WITHOUT_CODE = {"README.md", "model_zoo.md"}


def test_every_other_page_has_code_to_run():
    assert {page.name for page in PAGES if not runnable_blocks(page)} == WITHOUT_CODE


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p.name not in WITHOUT_CODE], ids=lambda p: p.name
)
def test_page_blocks_run(page, tmp_path, _datasets_root):
    result, output = run_page(page, make_workdir(tmp_path))
    where = f"docs/{page.name}:{result['failed']}"
    assert result["failed"] is None, f"{where}: the block failed\n{output[-6000:]}"


def test_skipped_blocks_have_reasons():
    skipped = [
        (f"docs/{page.name}:{block['line']}", argument)
        for page in PAGES
        for block in parse_blocks(page.read_text())
        for kind, argument in block["markers"]
        if kind == "skip"
    ]
    no_reason = [where for where, reason in skipped if len(reason.split()) < 2]
    assert not no_reason, f"skip markers without a reason: {no_reason}"
    if skipped:
        warnings.warn("docs blocks not run: " + "; ".join(f"{w} ({r})" for w, r in skipped))


def test_markers_sit_on_runnable_blocks():
    for page in PAGES:
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            if "<!--" in line and "docs-test" in line:
                assert MARKER_RE.search(line), f"docs/{page.name}:{number}: unknown marker"
        for block in parse_blocks(page.read_text()):
            if block["markers"]:
                where = f"docs/{page.name}:{block['line']}"
                assert block["lang"] in RUN_LANGS, f"{where}: a marker on a ```{block['lang']}"


def test_harness_reports_the_failing_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        '# A page\n\n```python\nx = 2\n```\n\n<!-- docs-test: expect "4" -->\n'
        "```python\nprint(x * 2)\n```\n\n```text\nnot run\n```\n\n"
        "<!-- docs-test: save sub/a.sh -->\n```bash\necho saved\n```\n\n"
        "```bash\nbash sub/a.sh\nfalse\n```\n"
    )
    blocks = runnable_blocks(page)
    assert [(b["line"], b["lang"]) for b in blocks] == [
        (3, "python"),
        (8, "python"),
        (17, "bash"),
        (21, "bash"),
    ]
    assert blocks[1]["markers"] == [("expect", "4")]
    assert blocks[2]["markers"] == [("save", "sub/a.sh")]
    result, output = run_page(page, tmp_path)
    assert result["failed"] == 21, output
    assert "=== docs/page.md:8 (```python)\n4\n" in output and "saved" in output
    assert (tmp_path / "sub" / "a.sh").read_text() == "echo saved\n"


# --- the model zoo --------------------------------------------------------------------------------

CODE_RE = re.compile(r"`([^`]+)`")
METHOD_RE = re.compile(r"CONVERT (?:--\S+ )*?--method (\w+)")


def model_zoo_rows():
    """The checkpoint rows of ``docs/model_zoo.md``'s tables (model, MMTracking config, d2track
    config, convert, reported): ``(row text, d2track config or None, its overrides, the
    ``--method`` of each ``CONVERT`` command, the convert cell, the reported cell)``."""
    rows = []
    for line in (DOCS / "model_zoo.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) != 5 or cells[0] in ("model", "---"):
            continue
        code = CODE_RE.findall(cells[2])
        config = next((c for c in code if c.endswith(".py")), None)
        overrides = [c for c in code if "=" in c and " " not in c]
        rows.append((line, config, overrides, METHOD_RE.findall(cells[3]), cells[3], cells[4]))
    return rows


def test_model_zoo_configs_load_and_methods_exist():
    from d2track.checkpoint.mmtrack_mot import MOT_METHODS
    from d2track.config import load_config
    from d2track.projects import discover_projects

    choices = {*discover_projects(), *MOT_METHODS}
    rows = model_zoo_rows()
    assert len(rows) >= 40, len(rows)
    for line, config, overrides, methods, convert, _ in rows:
        assert set(methods) <= choices, line
        assert methods or convert == "as the row above", line
        if config is not None:
            load_config(str(REPO / config), overrides)  # exits naming a key the config lacks
    # every method the converter offers has a row (StrongSORT's package registers no rules)
    listed = {m for row in rows for m in row[3]}
    assert choices - listed == {"strongsort"}, choices - listed


def test_model_zoo_reports_every_row():
    for line, *_, reported in model_zoo_rows():
        assert re.search(r"\d|n/a|as its tracker", reported), line


if __name__ == "__main__":
    sys.exit(run_blocks(*sys.argv[1:4]))
