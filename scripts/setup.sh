#!/usr/bin/env bash
# One command from a fresh clone: .venv with torch, d2track (editable) and Detectron2.
# Idempotent: `make setup` calls it only when setup inputs changed (see Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
export PIP_DISABLE_PIP_VERSION_CHECK=1

now() { date +%s.%N; }
step() {  # step <label> <command...>: run and print the time it took
  local label=$1; shift
  local t0; t0=$(now)
  "$@"
  awk -v a="$t0" -v b="$(now)" -v l="$label" 'BEGIN { printf "[setup] %-12s %6.1f s\n", l, b - a }'
}
installed() { "$VENV/bin/python" -c "import $1" >/dev/null 2>&1; }

T0=$(now)
[ -x "$VENV/bin/python" ] || step venv "$PY" -m venv "$VENV"
# torch first: Detectron2's sdist imports it while pip downloads it.
if ! "$VENV/bin/python" - <<PYEOF >/dev/null 2>&1
import importlib.metadata as md, sys
want = dict(s.split("==") for s in "$TORCH_SPEC".split())
sys.exit(any(md.version(k).split("+")[0] != v for k, v in want.items()))
PYEOF
then
  # shellcheck disable=SC2086
  step torch "$VENV/bin/python" -m pip install -q $TORCH_SPEC
fi
step d2track "$VENV/bin/python" -m pip install -q -e ".[dev]"
step detectron2 "$VENV/bin/python" scripts/install_detectron2.py
step check "$VENV/bin/python" -c "import d2track, detectron2.modeling; print('[setup] d2track', d2track.__version__, 'imports OK')"
awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "[setup] total        %6.1f s\n", b - a }'
