"""A real TorchServe on loopback serving tiny models of the four tasks: one request per task,
checked against the local model by tools/deploy/test_torchserve.py.

Needs Java 17 (TorchServe's frontend): skipped, saying so, where ``java`` is missing. One server
holds the four models. Its ports are picked free at run time; its TEMP (where TorchServe keeps
its pid file and worker sockets), logs, metrics and model store are in the test's tmp folder, so
a TorchServe of another job on this machine is never touched; it runs in a process group of its
own, which is killed at the end whatever the outcome.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("ts", reason="torchserve is not installed: pip install -e .[deploy]")
pytest.importorskip("model_archiver", reason="torch-model-archiver is not installed")

TASKS = ("vid", "mot", "sot", "vis")
JAVA_HINT = "install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
PORTS = ("inference", "management", "metrics", "grpc_inference", "grpc_management")
START_TIMEOUT, START_ATTEMPTS = 240.0, 3
LOAD_FAILED = "Load model failed"  # TorchServe's log line when a worker cannot load a model


def require_java():
    """Skip, naming what to install, unless Java 17+ runs (``$JAVA_HOME/bin/java`` or PATH's)."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.isfile(java):
        pytest.skip(f"Java 17 (TorchServe's frontend runs on it) not found: {JAVA_HINT}")
    banner = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    found = re.search(r'version "(\d+)', banner)
    if not found or int(found.group(1)) < 17:
        pytest.skip(f"TorchServe needs Java 17, {java} is {banner.strip()[:60]!r}: {JAVA_HINT}")


def free_ports(count):
    """``count`` distinct loopback ports that were free a moment ago."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class TorchServe:
    """``torchserve --foreground`` of one model store, private to a folder, in its own session."""

    def __init__(self, root, store, models):
        self.root, self.store, self.models = root, store, dict(models)
        self.process = None

    def config(self, ports):
        addresses = dict(zip(PORTS, ports))
        lines = [f"{k}_address=http://127.0.0.1:{addresses[k]}" for k in PORTS[:3]]
        lines += [f"{k}_address=127.0.0.1\n{k}_port={addresses[k]}" for k in PORTS[3:]]
        lines += ["default_workers_per_model=1", "disable_system_metrics=true"]
        lines += ["vmargs=-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"]  # quick start
        return "\n".join(lines) + "\n", addresses

    def start(self):
        """Start and wait until every model has a ready worker; new ports on a port clash."""
        for attempt in range(START_ATTEMPTS):
            text, self.ports = self.config(free_ports(len(PORTS)))
            self.folder = self.root / f"attempt{attempt}"
            (self.folder / "tmp").mkdir(parents=True)
            (self.folder / "config.properties").write_text(text)
            self.process = self._launch()
            if self._wait_ready():
                return
            self.stop()
            if "Address already in use" not in self.log_tail():
                break
        raise RuntimeError(f"TorchServe did not get ready:\n{self.log_tail()}")

    def _launch(self):
        tmp, logs = str(self.folder / "tmp"), str(self.folder / "logs")
        env = dict(os.environ, TEMP=tmp, TMPDIR=tmp, LOG_LOCATION=logs, METRICS_LOCATION=logs)
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # a 2-core machine
        env.pop("TS_CONFIG_FILE", None)  # it would win over --ts-config
        command = [sys.executable, "-m", "ts.model_server", "--start", "--foreground", "--ncs"]
        command += ["--disable-token-auth", "--ts-config", str(self.folder / "config.properties")]
        command += ["--model-store", str(self.store), "--models"]
        command += [f"{name}={mar}" for name, mar in self.models.items()]
        with open(self.folder / "server.out", "wb") as out:
            options = dict(cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT)
            return subprocess.Popen(command, start_new_session=True, **options)

    def url(self, kind, path):
        return f"http://127.0.0.1:{self.ports[kind]}/{path}"

    def _wait_ready(self):
        waiting, deadline = set(self.models), time.monotonic() + START_TIMEOUT
        while waiting and self.process.poll() is None and time.monotonic() < deadline:
            if LOAD_FAILED in self.log_tail(lines=None, names=("logs/ts_log.log",)):
                return False  # TorchServe would retry a broken model until the deadline
            for name in sorted(waiting):
                try:
                    with urllib.request.urlopen(self.url("management", f"models/{name}")) as r:
                        workers = json.loads(r.read())[0]["workers"]
                except (urllib.error.URLError, OSError, ValueError):
                    continue
                if workers and all(w["status"] == "READY" for w in workers):
                    waiting.discard(name)
            time.sleep(0.5)
        return not waiting

    def stop(self):
        """Stop our process group (the launcher, Java, the workers); True if nothing is left."""
        if self.process is None:
            return True
        group = self.process.pid  # a session leader: its pid is the group's id
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            with_processes = _signal_group(group, sig)
            deadline = time.monotonic() + wait
            while with_processes and time.monotonic() < deadline:
                time.sleep(0.2)
                self.process.poll()  # reap the launcher
                with_processes = _signal_group(group, 0)
            if not with_processes:
                break
        self.process.wait()
        return not _signal_group(group, 0)

    def log_tail(self, lines=40, names=("logs/ts_log.log", "logs/model_log.log", "server.out")):
        """The last ``lines`` lines (None: all) of TorchServe's logs."""
        texts = []
        for name in names:
            path = self.folder / name
            if path.is_file():
                tail = path.read_text(errors="replace").splitlines()[-(lines or 0) :]
                texts.append(f"--- {name}\n" + "\n".join(tail))
        return "\n".join(texts)


def _signal_group(group, sig):
    """Send ``sig`` to the process group; False if it has no process left."""
    try:
        os.killpg(group, sig)
        return True
    except ProcessLookupError:
        return False


@pytest.fixture(scope="module")
def server(tiny_models, tmp_path_factory):
    require_java()
    root = tmp_path_factory.mktemp("torchserve")
    for task in TASKS:
        tiny_models.package(task, root / "model_store")
    torchserve = TorchServe(root, root / "model_store", {t: f"{t}.mar" for t in TASKS})
    try:
        torchserve.start()
        yield torchserve
    finally:
        assert torchserve.stop(), "processes of our TorchServe are still running"


@pytest.mark.parametrize("task", TASKS)
def test_served_result_equals_the_local_one(one_torch_thread, server, tiny_models, clip, task):
    out = tiny_models.check(task, clip, server.url("inference", "").rstrip("/"))
    stats, served = out["stats"], out["served"]
    assert served["task"] == task and served["num_frames"] == tiny_models.VIDEO_FRAMES
    assert stats["instances"] > 0  # a comparison of empty results would prove nothing
    assert stats["max_box_diff"] <= 1e-3 and stats["max_score_diff"] <= 1e-3
    fields = {"vid": "labels", "mot": "track_ids", "sot": "visible", "vis": "masks"}[task]
    assert all(len(frame[fields]) == len(frame["scores"]) for frame in served["frames"])


def test_bad_request_gets_400_with_the_reason(server, clip):
    request = urllib.request.Request(
        server.url("inference", "predictions/sot"), data=clip.read_bytes(), method="POST"
    )
    request.add_header("Content-Type", "application/octet-stream")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=120)
    assert error.value.code == 400
    assert "needs its targets on the first frame" in error.value.read().decode()
