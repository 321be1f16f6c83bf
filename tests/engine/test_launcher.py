"""launch(): single-machine runs without --dist-url meet through a private file:// store."""

import os

import pytest
from detectron2.engine import default_argument_parser

import d2track.engine.launcher as launch_module
from d2track.engine.launcher import launch, wants_private_rendezvous


def test_no_dist_url_on_one_machine_means_private_rendezvous():
    default = default_argument_parser().parse_args([]).dist_url  # --dist-url not given
    for url in (None, "auto", default):
        assert wants_private_rendezvous(url, num_machines=1)
    assert not wants_private_rendezvous("tcp://node00:1234", num_machines=1)
    assert not wants_private_rendezvous(default, num_machines=2)


@pytest.fixture
def calls(monkeypatch):
    calls = []

    def fake_launch(main_func, num_gpus, num_machines, machine_rank, dist_url, args, timeout):
        folder = dist_url[len("file://") :].rsplit("/", 1)[0] if "file://" in dist_url else None
        calls.append(
            {"dist_url": dist_url, "folder": folder, "existed": folder and os.stat(folder)}
        )

    monkeypatch.setattr(launch_module, "detectron2_launch", fake_launch)
    return calls


def test_launch_uses_a_new_private_folder_each_time_and_removes_it(calls):
    launch(print, 2)
    launch(print, 2, dist_url="auto")
    urls = [c["dist_url"] for c in calls]
    assert all(u.startswith("file://") and u.endswith("/store") for u in urls)
    assert urls[0] != urls[1]
    for call in calls:
        assert call["existed"].st_mode & 0o077 == 0  # private to the user
        assert not os.path.exists(call["folder"])


def test_launch_keeps_an_explicit_or_multi_machine_dist_url(calls):
    launch(print, 2, dist_url="tcp://node00:29500")
    launch(print, 2, num_machines=2, dist_url="tcp://node01:29500")
    assert [c["dist_url"] for c in calls] == ["tcp://node00:29500", "tcp://node01:29500"]
