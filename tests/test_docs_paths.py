"""Every repo path, config and ``d2track.*`` name named in the READMEs and tool docstrings exists.

What counts as a repo path (anything else, e.g. ``output/run``, ``W.pth``, ``datasets/MOT17/train``,
is the user's data and is not checked):

- a token whose first component is a source folder (``d2track/``, ``configs/``, ``projects/``,
  ``tools/``, ``scripts/``, ``tests/``), file or folder, at any depth;
- a file directly in ``datasets/`` or ``benchmarks/`` ending in .py/.md/.sh
  (``datasets/prepare_mot.py``); deeper paths there are data and results (``datasets/MOT17/train``,
  ``benchmarks/results/``);
- a Markdown link target that is not a URL or an anchor (``[DFF](DFF)``);
- a ``get_config("common/...")`` argument, under ``configs/``.

A token preceded by a path character (``/path/to/d2track/scripts/x.py``) is not a repo path; one
with a placeholder (``<config>``, ``$CFG``, ``...``) is skipped; ``{a,b}`` is expanded and ``*``
must match at least one file. A path in a README may be relative to its folder (``configs/x.py`` in
``projects/SELSA/README.md``) or to the repository root; either is accepted. Bare file names
(``prepare_mot.py``, MMTracking's ``selsa_..._1x_imagenetvid.py``) are not checked.
"""

import ast
import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SOURCE_DIRS = ("d2track", "configs", "projects", "tools", "scripts", "tests")
FLAT_DIRS = ("datasets", "benchmarks")
FILE_SUFFIXES = (".py", ".md", ".sh")
PLACEHOLDERS = ("<", ">", "$", "...")

# Paths in other repositories, named as theirs in the text: (document, path) -> whose.
EXTERNAL = {
    ("projects/SELSA/README.md", "configs/vid/selsa/README.md"): "MMTracking's model zoo",
    ("tools/lazyconfig_train_net.py", "configs/common/train.py"): "Detectron2's",
    (
        "tools/analysis/mot_error_visualize.py",
        "tools/analysis/mot/mot_error_visualize.py",
    ): "MMTracking 0.x's",
    (
        "projects/SiamRPNpp/README.md",
        "configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py",
    ): "MMTracking 0.14's",
    (
        "tools/analysis/sot_param_search.py",
        "tools/analysis/sot/sot_siamrpn_param_search.py",
    ): "MMTracking 0.x's",
    ("projects/MaskTrackRCNN/README.md", "configs/vis/masktrack_rcnn/"): "MMTracking 0.x's",
    ("docs/runtime_settings.md", "configs/common/train.py"): "Detectron2's",
}
# d2track names a document's own example creates when it runs: (document, name) -> what.
MADE_BY_DOCS = {
    ("docs/customize_models.md", "d2track.projects.meanagg"): "the project package it saves",
}

PATH_RE = re.compile(
    r"(?<![\w./~-])((?:%s)/[^\s`'\"()\[\];:|]*)" % "|".join(SOURCE_DIRS + FLAT_DIRS)
)
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
GET_CONFIG_RE = re.compile(r"get_config\(\s*[\"']([^\"']+)[\"']")
NAME_RE = re.compile(r"(?<![\w./-])d2track(?:\.[A-Za-z_]\w*)+(?![\w-])")


def documents():
    """Yield ``(path, text)``: the READMEs and ``docs/``, then the module docstrings of the
    tools."""
    readmes = [REPO / "README.md"] + [REPO / d / "README.md" for d in SOURCE_DIRS + FLAT_DIRS]
    readmes += sorted(REPO.glob("projects/*/README.md")) + sorted(REPO.glob("docs/*.md"))
    for path in readmes:
        if path.is_file():
            yield path, path.read_text()
    scripts = [
        *REPO.glob("tools/**/*.py"),
        *REPO.glob("datasets/prepare_*.py"),
        *REPO.glob("benchmarks/*.py"),
        *REPO.glob("scripts/*.py"),
    ]
    for path in sorted(scripts):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        if doc:
            yield path, doc


def expand_braces(token):
    """``projects/{SORT,DeepSORT}/README.md`` -> both paths (nested braces are not used)."""
    match = re.search(r"\{([^{}]*)\}", token)
    if not match:
        return [token]
    head, tail = token[: match.start()], token[match.end() :]
    return [p for alt in match.group(1).split(",") for p in expand_braces(head + alt + tail)]


def is_repo_path(rel):
    parts = rel.rstrip("/").split("/")
    if parts[0] in SOURCE_DIRS:
        return True
    return len(parts) == 2 and parts[1].endswith(FILE_SUFFIXES)


def exists(base, rel):
    """A file, a glob that matches, or a folder with more than ``__pycache__`` (a moved package)."""
    if "*" in rel:
        return any(base.glob(rel.rstrip("/")))
    path = base / rel
    if path.is_dir():
        return any(p.name != "__pycache__" for p in path.iterdir())
    return path.exists()


def named_paths(doc, text):
    """Yield ``(rel, bases)``: each repo path of ``text`` and the folders it may be relative to."""
    for token in PATH_RE.findall(text):
        if any(p in token for p in PLACEHOLDERS):
            continue
        for rel in expand_braces(token):
            rel = rel.rstrip(".,")
            if is_repo_path(rel):
                yield rel, (doc.parent, REPO)
    for rel in GET_CONFIG_RE.findall(text):  # d2track.config.get_config: relative to configs/
        yield "configs/" + rel, (REPO,)
    if doc.suffix == ".md":
        for target in LINK_RE.findall(text):
            if not re.match(r"[a-z]+:|#", target):
                yield target.split("#")[0], (doc.parent,)


def missing_paths():
    missing = []
    for doc, text in documents():
        doc_rel = doc.relative_to(REPO).as_posix()
        for rel, bases in named_paths(doc, text):
            if (doc_rel, rel) in EXTERNAL or any(exists(base, rel) for base in bases):
                continue
            missing.append(f"{doc_rel}: {rel}")
    return sorted(set(missing))


def resolve(name):
    """Import the longest module prefix of ``name``, then follow the attributes; raise if absent."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            obj = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name is None or not module.startswith(e.name):
                raise  # the module exists but imports something missing: a real error
            continue
        if getattr(obj, "__file__", None) is None:  # a folder left with only __pycache__
            raise ModuleNotFoundError(f"{module} is a namespace package, not a d2track module")
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def test_paths_named_in_docs_exist():
    missing = missing_paths()
    assert not missing, "paths named in docs that do not exist:\n  " + "\n  ".join(missing)


def test_d2track_names_in_docs_resolve():
    names = {}
    for doc, text in documents():
        for name in NAME_RE.findall(text):
            names.setdefault(name, set()).add(doc.relative_to(REPO).as_posix())
    assert "d2track.modeling.meta_arch.VideoRCNN" in names  # the scan sees the README
    unresolved = []
    for name, docs in sorted(names.items()):
        if all((doc, name) in MADE_BY_DOCS for doc in docs):
            continue
        try:
            resolve(name)
        except (ImportError, AttributeError) as e:
            unresolved.append(f"{name} ({', '.join(sorted(docs))}): {type(e).__name__}: {e}")
    assert not unresolved, "d2track names in docs that do not resolve:\n  " + "\n  ".join(
        unresolved
    )


def test_rules_tell_repo_paths_from_data():
    assert is_repo_path("configs/mot/x.py") and is_repo_path("d2track/tracking/")
    assert is_repo_path("datasets/prepare_mot.py") and is_repo_path("benchmarks/README.md")
    assert not is_repo_path("datasets/MOT17/train") and not is_repo_path("benchmarks/results/")
    assert GET_CONFIG_RE.findall('get_config("common/x.py")') == ["common/x.py"]
    assert PATH_RE.findall("python /path/to/d2track/scripts/x.py output/configs/y.py") == []
    assert expand_braces("p/{A,B}/README.md") == ["p/A/README.md", "p/B/README.md"]
