"""tools/deploy/test_torchserve.py without TorchServe: its comparison, and its requests to a
stand-in HTTP server on loopback."""

import contextlib
import copy
import http.server
import json
import socket
import threading

import numpy as np
import pytest
from pycocotools import mask as mask_util

from d2track.utils.testing import run_tool_main

pytest.importorskip("ts", reason="torchserve is not installed: pip install -e .[deploy]")


def rle(mask):
    encoded = mask_util.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))
    return {"size": list(encoded["size"]), "counts": encoded["counts"].decode()}


def vis_result():
    """A two-frame VIS result in the handler's format."""
    mask = np.zeros((8, 10), bool)
    mask[2:6, 3:7] = True
    frame = dict(boxes=[[3.0, 2.0, 7.0, 6.0]], scores=[0.5], labels=[1], track_ids=[4])
    frame["masks"] = [rle(mask)]
    header = dict(task="vis", num_frames=2, height=8, width=10, classes=["a", "b"])
    return dict(header, frames=[frame, copy.deepcopy(frame)])


def changed(result, frame, key, value):
    result = copy.deepcopy(result)
    result["frames"][frame][key] = value
    return result


def test_identical_results_match(deploy_modules):
    stats, problems = deploy_modules["check"]["compare"](vis_result(), vis_result())
    assert problems == []
    assert stats == dict(
        frames=2, instances=2, max_box_diff=0.0, max_score_diff=0.0, min_mask_iou=1.0
    )


@pytest.mark.parametrize(
    "key, value, problem",
    [
        ("track_ids", [5], "frame 1: track_ids [5] served, [4] local"),
        ("labels", [0], "frame 1: labels [0] served, [1] local"),
        ("boxes", [[3.0, 2.0, 7.0, 6.5]], "max_box_diff 0.5 > --atol 0.001"),
        ("scores", [0.6], "max_score_diff 0.1 > --atol 0.001"),
        ("scores", [0.5, 0.4], "frame 1: 2 instances served, 1 local"),
        ("masks", [rle(np.arange(80).reshape(8, 10) < 20)], "min_mask_iou 0 < --mask-iou 0.99"),
    ],
)
def test_each_difference_is_reported(deploy_modules, key, value, problem):
    served = changed(vis_result(), 1, key, value)
    stats, problems = deploy_modules["check"]["compare"](served, vis_result())
    assert problems == [problem]


def test_header_differences_are_reported(deploy_modules):
    served = dict(vis_result(), num_frames=3, task="mot")
    problems = deploy_modules["check"]["compare"](served, vis_result())[1]
    assert problems == ["task: 'mot' served, 'vis' local", "num_frames: 3 served, 2 local"]


@contextlib.contextmanager
def stand_in_server(status, answer):
    """A loopback HTTP server answering every POST with ``status`` and the JSON ``answer``;
    yields ``(address, requests)``, the path, headers and body of each request."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append((self.path, dict(self.headers), body))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_checker_sends_the_video_and_targets(one_torch_thread, tiny_models, clip):
    local = tiny_models.run_locally("sot", clip)
    with stand_in_server(200, local) as (address, requests):
        out = tiny_models.check("sot", clip, address)
    assert out["served"] == local
    assert out["stats"]["instances"] == 2 * tiny_models.VIDEO_FRAMES
    assert out["stats"]["max_box_diff"] == out["stats"]["max_score_diff"] == 0.0
    ((path, headers, body),) = requests
    assert path == "/predictions/sot"
    assert headers["X-Init-Box"] == tiny_models.INIT_BOXES
    assert headers["Content-Type"] == "application/octet-stream"
    assert body == clip.read_bytes()


def test_checker_exits_1_on_a_mismatch(one_torch_thread, tiny_models, clip, capsys):
    served = changed(tiny_models.run_locally("sot", clip), 2, "track_ids", [1, 0])
    with stand_in_server(200, served) as (address, _), pytest.raises(SystemExit) as error:
        tiny_models.check("sot", clip, address)
    assert error.value.code == 1
    assert "MISMATCH:\n  frame 2: track_ids [1, 0] served, [0, 1] local" in capsys.readouterr().err


def test_checker_names_server_errors(tiny_models, clip):
    answer = {"code": 400, "message": "bad init_box"}
    with stand_in_server(400, answer) as (address, _):
        with pytest.raises(SystemExit, match=r"predictions/sot answered 400: .*bad init_box"):
            tiny_models.check("sot", clip, address)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(SystemExit, match="no answer from .* .is TorchServe running there"):
        tiny_models.check("sot", clip, address)


@pytest.mark.parametrize(
    "tool, options",
    [
        ("d2track2torchserve.py", ["--config-file", "--weights", "--output-folder", "--task"]),
        ("test_torchserve.py", ["--video", "--inference-addr", "--init-box", "--atol"]),
    ],
)
def test_tools_explain_themselves(deploy_on_path, capsys, tool, options):
    with pytest.raises(SystemExit) as done:
        run_tool_main(deploy_on_path / tool, "--help")
    assert done.value.code == 0
    usage = capsys.readouterr().out
    assert usage.startswith("usage:") and all(option in usage for option in options)
