"""The TorchServe handler and packager of tools/deploy/, in this process: no server, no Java."""

import json
import zipfile
from pathlib import Path

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

from d2track.utils.testing import run_tool_main

pytest.importorskip("ts", reason="torchserve is not installed: pip install -e .[deploy]")
pytest.importorskip("model_archiver", reason="torch-model-archiver is not installed")

from ts.context import Context, RequestProcessor  # noqa: E402
from ts.utils.util import PredictionException  # noqa: E402

DEPLOY = Path(__file__).resolve().parents[2] / "tools" / "deploy"
SOT_FIRST_FRAME = [[20.0, 10.0, 50.0, 40.0], [60.0, 30.0, 90.0, 60.0]]  # INIT_BOXES as XYXY


class _Metrics:
    def add_time(self, *args, **kwargs):
        pass


def start_handler(mar, folder, deploy_modules):
    """Unpack ``mar`` into ``folder`` and initialise the handler on it, as a worker does."""
    with zipfile.ZipFile(mar) as archive:
        archive.extractall(folder)
    manifest = json.loads((folder / "MAR-INF" / "MANIFEST.json").read_text())
    context = Context(mar.stem, str(folder), manifest, 1, None, "test", metrics=_Metrics())
    handler = deploy_modules["handler"].D2TrackHandler()
    handler.initialize(context)
    return handler, context


def serve(handler, context, request, headers=None):
    """The handler's answer to one request (fields ``request``, HTTP ``headers``)."""
    context.request_processor = [RequestProcessor(dict(headers or {}))]
    (answer,) = handler.handle([request], context)
    return answer


@pytest.fixture(scope="module")
def sot_archive(tiny_models, tmp_path_factory):
    return tiny_models.package("sot", tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def sot_handler(sot_archive, deploy_modules, tmp_path_factory):
    return start_handler(sot_archive, tmp_path_factory.mktemp("sot_model"), deploy_modules)


def test_archive_holds_handler_config_weights_and_task(sot_archive):
    with zipfile.ZipFile(sot_archive) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("MAR-INF/MANIFEST.json"))
        info = json.loads(archive.read("d2track_model.json"))
        config = archive.read("config.yaml").decode()
    assert names == {
        "MAR-INF/MANIFEST.json",
        "d2track_handler.py",
        "d2track_handler_core.py",
        "config.yaml",
        "d2track_model.json",
        "sot.pth",
    }
    assert manifest["model"]["handler"] == "d2track_handler.py"
    assert manifest["model"]["serializedFile"] == "sot.pth"
    assert info == {"task": "sot", "config": "config.yaml", "weights": "sot.pth"}
    assert "SiameseRPNTracker" in config  # resolved: no relative import of the project's files
    assert [p.name for p in sot_archive.parent.iterdir()] == ["sot.mar"]  # no staging left


def test_sot_request_tracks_every_target(one_torch_thread, sot_handler, clip, tiny_models):
    handler, context = sot_handler
    video = clip.read_bytes()
    answer = serve(handler, context, {"data": video, "init_box": tiny_models.INIT_BOXES.encode()})
    assert (answer["task"], answer["num_frames"]) == ("sot", tiny_models.VIDEO_FRAMES)
    assert (answer["height"], answer["width"]) == tiny_models.VIDEO_SIZE
    first = answer["frames"][0]
    assert first["boxes"] == SOT_FIRST_FRAME
    assert (first["scores"], first["visible"], first["track_ids"]) == ([1, 1], [True] * 2, [0, 1])
    assert all(len(frame["boxes"]) == 2 for frame in answer["frames"])
    # the targets as a header, the video as a raw body: the same answer
    headers = {"X-Init-Box": tiny_models.INIT_BOXES}
    assert serve(handler, context, {"body": video}, headers) == answer


def test_sot_answer_equals_the_local_run(
    one_torch_thread, sot_handler, clip, tiny_models, deploy_modules
):
    handler, context = sot_handler
    answer = serve(
        handler, context, {"data": clip.read_bytes(), "init_box": tiny_models.INIT_BOXES}
    )
    local = tiny_models.run_locally("sot", clip)
    stats, problems = deploy_modules["check"]["compare"](answer, local)
    assert problems == []
    assert stats["max_box_diff"] == stats["max_score_diff"] == 0.0
    assert stats["instances"] == 2 * tiny_models.VIDEO_FRAMES


@pytest.mark.parametrize(
    "fields, headers, message",
    [
        ({"init_box": "1,1,5,5"}, {}, "expected a video file"),
        ({"data": b"not a video", "init_box": "1,1,5,5"}, {}, "OpenCV cannot decode"),
        ({"data": "VIDEO"}, {}, "needs its targets on the first frame"),
        ({"data": "VIDEO", "init_box": "1,2,3"}, {}, "bad init_box '1,2,3'"),
        ({"data": "VIDEO"}, {"x-init-box": "1,2,0,4"}, "w and h > 0"),
    ],
)
def test_bad_requests_get_400_and_what_is_wrong(sot_handler, clip, fields, headers, message):
    handler, context = sot_handler
    fields = {k: clip.read_bytes() if v == "VIDEO" else v for k, v in fields.items()}
    with pytest.raises(PredictionException, match=message) as error:
        serve(handler, context, fields, headers)
    assert error.value.error_code == 400


def test_vid_archive_detects_every_frame(
    one_torch_thread, tiny_models, clip, tmp_path, deploy_modules
):
    mar = tiny_models.package("vid", tmp_path / "store")
    handler, context = start_handler(mar, tmp_path / "model", deploy_modules)
    answer = serve(handler, context, {"body": clip.read_bytes()})
    assert (answer["task"], answer["num_frames"]) == ("vid", tiny_models.VIDEO_FRAMES)
    assert answer["classes"] and all(isinstance(c, str) for c in answer["classes"])
    for frame in answer["frames"]:
        assert set(frame) == {"boxes", "scores", "labels"}
        assert len(frame["boxes"]) == len(frame["labels"]) == 5  # test_topk_per_image=5
        assert all(0 <= label < len(answer["classes"]) for label in frame["labels"])
    local = tiny_models.run_locally("vid", clip)
    assert deploy_modules["check"]["compare"](answer, local)[1] == []
    with pytest.raises(PredictionException, match="init_box is for single object tracking"):
        serve(handler, context, {"body": clip.read_bytes(), "init_box": "1,1,5,5"})


def test_task_of_each_model(deploy_modules, tiny_models):
    detect_task = deploy_modules["core"].detect_task
    for task in tiny_models.CONFIGS:
        model = LazyConfig.load(tiny_models.config(task)[0]).model
        assert detect_task(instantiate(model)) == task
    with pytest.raises(ValueError, match="Linear is not a d2track video model"):
        detect_task(torch.nn.Linear(2, 2))


@pytest.mark.parametrize(
    "value, rows",
    [
        ("1,2,3,4", [[1, 2, 3, 4]]),
        (b"1,2,3,4; 5,6,7,8", [[1, 2, 3, 4], [5, 6, 7, 8]]),
        ([1, 2, 3, 4], [[1, 2, 3, 4]]),
        ([[1, 2, 3, 4], [5, 6, 7, 8.5]], [[1, 2, 3, 4], [5, 6, 7, 8.5]]),
    ],
)
def test_init_boxes_formats(deploy_modules, value, rows):
    boxes = deploy_modules["core"].parse_init_boxes(value)
    assert boxes.dtype.name == "float64" and boxes.tolist() == rows


@pytest.mark.parametrize("value", ["", "1,2,3", "1,2,0,4", "a,b,c,d", "1,2,3,nan", [], [[1, 2]]])
def test_bad_init_boxes_say_the_format(deploy_modules, value):
    with pytest.raises(ValueError, match="expected x,y,w,h"):
        deploy_modules["core"].parse_init_boxes(value)


def test_packager_refuses_what_it_cannot_serve(sot_archive, tiny_models, tmp_path):
    tool = DEPLOY / "d2track2torchserve.py"
    args = ["--config-file", tiny_models.config("vid")[0], "--output-folder", tmp_path / "store"]
    args += ["--model-name", "m"]
    with pytest.raises(
        SystemExit, match=r"(?s)--weights .*sot\.pth: .* missing: .*Otherwise give a checkpoint"
    ):
        run_tool_main(tool, *args, "--weights", tiny_models.weights("sot"))
    with pytest.raises(SystemExit, match="--weights nothing.pth: no such file"):
        run_tool_main(tool, *args, "--weights", "nothing.pth")
    with pytest.raises(SystemExit, match=r"sot\.mar exists \(pass --force"):
        tiny_models.package("sot", sot_archive.parent)
    assert list((tmp_path / "store").iterdir()) == []  # no archive, no staging folder left


def test_force_replaces_an_archive(tiny_models, tmp_path):
    first = tiny_models.package("sot", tmp_path, "--model-version", "1.0")
    again = tiny_models.package("sot", tmp_path, "--model-version", "2.0", "--force")
    assert again == first and sorted(p.name for p in tmp_path.iterdir()) == ["sot.mar"]
    with zipfile.ZipFile(again) as archive:
        assert json.loads(archive.read("MAR-INF/MANIFEST.json"))["model"]["modelVersion"] == "2.0"


def test_tracking_model_is_packed_from_its_part_weights(tiny_models, tmp_path):
    tool = DEPLOY / "d2track2torchserve.py"
    whole = torch.load(tiny_models.weights("mot"), weights_only=True)["model"]
    detector = {k[len("detector.") :]: v for k, v in whole.items() if k.startswith("detector.")}
    torch.save({"model": detector}, tmp_path / "detector.pth")
    config, overrides = tiny_models.config("mot")
    mar = run_tool_main(
        tool,
        *("--config-file", config, "--output-folder", tmp_path / "store", "--model-name", "mot"),
        *overrides,
        f"model.detector_weights={tmp_path / 'detector.pth'}",
    )
    with zipfile.ZipFile(mar) as archive:
        info = json.loads(archive.read("d2track_model.json"))
        archive.extract(info["weights"], tmp_path / "unpacked")
    packed = torch.load(tmp_path / "unpacked" / info["weights"], weights_only=True)["model"]
    assert info["task"] == "mot" and sorted(packed) == sorted(whole)
    assert all(torch.equal(packed[k], whole[k]) for k in whole)
    sot_config = tiny_models.config("sot")[0]
    with pytest.raises(SystemExit, match="give --weights .*only a tracking model"):
        run_tool_main(
            tool,
            *("--config-file", sot_config, "--output-folder", tmp_path / "s", "--model-name", "s"),
        )
