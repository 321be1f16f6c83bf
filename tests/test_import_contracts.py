"""The layering contracts (``[importlinter]`` in setup.cfg) hold, and lint-imports catches a break.

import-linter records ``from d2track.projects.selsa import X`` as an import of
``d2track.projects`` (a project's package is no file under ``d2track/``), so an AST scan here
checks that no module of ``d2track/`` imports a project's package.
"""

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import d2track.projects

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts():
    """Contract id -> name, as setup.cfg declares them."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    prefix = "importlinter:contract:"
    return {s[len(prefix) :]: config[s]["name"] for s in config.sections() if s.startswith(prefix)}


CONTRACTS = _contracts()


def lint_imports(repo):
    """Run lint-imports in ``repo``: it reads ``repo/setup.cfg`` and scans ``repo/d2track``."""
    assert LINT_IMPORTS.is_file(), "import-linter is missing: pip install -e '.[dev]'"
    env = {**os.environ, "PYTHONPATH": str(repo)}
    cmd = [str(LINT_IMPORTS), "--no-cache"]
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def status(output, contract):
    """'KEPT' or 'BROKEN', as lint-imports reports ``contract`` (an id of setup.cfg)."""
    name = CONTRACTS[contract]
    lines = [line for line in output.splitlines() if line.startswith(name + " ")]
    assert len(lines) == 1, f"no status line for {name!r} in:\n{output}"
    return lines[0].rsplit(" ", 1)[1]


@pytest.fixture(scope="module")
def repo_report():
    return lint_imports(ROOT).stdout


def test_setup_cfg_declares_the_layering():
    assert set(CONTRACTS) == {
        "no-learned-weights-below-modeling",
        "evaluation-scores-tracks",
        "library-not-repo-folders",
    }


def test_make_lint_runs_the_contracts():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports --no-cache" in recipe


@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_repo_keeps_contract(repo_report, contract):
    assert status(repo_report, contract) == "KEPT", repo_report


@pytest.mark.parametrize(
    "files, contract",
    [
        ({"data/_planted.py": "import d2track.modeling\n"}, "no-learned-weights-below-modeling"),
        (  # indirect: tracking -> utils -> modeling
            {
                "tracking/_planted.py": "from d2track.utils import _planted_helper\n",
                "utils/_planted_helper.py": "from d2track.modeling import flow\n",
            },
            "no-learned-weights-below-modeling",
        ),
        ({"utils/_planted.py": "from tools.demo import demo_vid\n"}, "library-not-repo-folders"),
        ({"engine/_planted.py": "import projects\n"}, "library-not-repo-folders"),
    ],
)
def test_lint_imports_fails_on_planted_violation(tmp_path, files, contract):
    # A copy of the package tree: the planted modules never touch the repo.
    shutil.copytree(ROOT / "d2track", tmp_path / "d2track", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "setup.cfg", tmp_path)
    for path, code in files.items():
        (tmp_path / "d2track" / path).write_text(code)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert status(result.stdout, contract) == "BROKEN"
    planted = "d2track." + next(iter(files))[: -len(".py")].replace("/", ".")
    assert f"{planted} ->" in result.stdout


def _imported_names(node, module):
    """Dotted names that ``node`` imports, ``module`` being the dotted name of its file."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = module.split(".")[: len(module.split(".")) - node.level] if node.level else []
        base = ".".join(base + ([node.module] if node.module else []))
        return [f"{base}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = getattr(node.func, "attr", getattr(node.func, "id", None))
        if func in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def project_package_imports(package_dir):
    """``"<file>:<line> <name>"`` for each import of a project's package under ``package_dir``.

    A project's package is ``d2track.projects.<pkg>``; ``d2track.projects``' own API is not one.
    """
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        # "pkg.__init__" keeps the level arithmetic of relative imports the same as for modules
        module = ".".join(parts)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for name in _imported_names(node, module):
                head, _, rest = name.partition("d2track.projects.")
                if not head and rest and rest.split(".")[0] not in d2track.projects.__all__:
                    found.append(f"{path.relative_to(package_dir.parent)}:{node.lineno} {name}")
    return found


def test_no_d2track_module_imports_a_project_package():
    assert project_package_imports(ROOT / "d2track") == []


def test_project_package_scan_catches_planted_imports(tmp_path):
    (tmp_path / "d2track" / "checkpoint").mkdir(parents=True)
    (tmp_path / "d2track" / "checkpoint" / "_planted.py").write_text(
        "import importlib\n"
        "from d2track.projects import PROJECT_ROOT\n"  # the finder's API: allowed
        "from d2track.projects.selsa import SelsaAggregator\n"
        "from ..projects import dff\n"
        "importlib.import_module('d2track.projects.fgfa')\n"
    )
    assert project_package_imports(tmp_path / "d2track") == [
        "d2track/checkpoint/_planted.py:3 d2track.projects.selsa.SelsaAggregator",
        "d2track/checkpoint/_planted.py:4 d2track.projects.dff",
        "d2track/checkpoint/_planted.py:5 d2track.projects.fgfa",
    ]
