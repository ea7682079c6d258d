#!/usr/bin/env bash
# One idempotent set-up for `make demo` and `make test`: Debian packages,
# project-local npm packages, the project virtualenv, and the cached builds
# of the toolchain itself. Each step is skipped when its inputs are unchanged,
# so a second run takes seconds. Nothing is fetched from outside the package
# registries.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAMPS=$ROOT/.bootstrap
mkdir -p "$STAMPS"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

# stamp NAME FILES... : true when the hash of FILES matches the last success.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
fresh() { local name=$1; shift; [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$(hash_of "$@")" ]; }
mark() { local name=$1; shift; hash_of "$@" > "$STAMPS/$name"; }

# --- Debian packages -------------------------------------------------------
APT_PACKAGES=(
  # Rust -> SBF (see ../shared/design/sbf-toolchain.md)
  rustc-web cargo-web libstd-rust-web-dev-bpf llvm-22 lld-22 clang-22 llvm-22-dev
  # llama-cpp-python compiles llama.cpp
  build-essential cmake
  # the facilitator's PostgreSQL store is tested against a real server
  postgresql
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# --- npm (project-local node_modules) --------------------------------------
if ! fresh npm package.json package-lock.json || [ ! -x node_modules/.bin/anvil ]; then
  say "npm: installing solc and anvil into node_modules"
  npm ci --no-audit --no-fund --loglevel=error
  mark npm package.json package-lock.json
fi

# --- Python virtualenv -----------------------------------------------------
PY=${GRIDPAY_PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  say "venv: creating .venv with $PY"
  "$PY" -m venv .venv
fi
if ! fresh venv requirements.lock requirements-nodeps.lock pyproject.toml; then
  say "pip: installing pinned packages"
  # llama-cpp-python compiles llama.cpp: portable x86-64 code, so the wheel pip
  # caches after the first build (~10 min on 2 cores) serves every re-install.
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
  # (this machine's pip config names index folders that may not exist: drop
  # its one-line-per-package warnings about them, keep everything else)
  pipq() { .venv/bin/python -m pip install -q --disable-pip-version-check "$@" \
             2> >(grep -v "^WARNING: Location 'file:" >&2); }
  pipq -r requirements.lock
  # anchorpy3 pins construct-typing<0.6, which the rest of the set cannot
  # take; it is installed beside it without its pins (python-stack.md).
  pipq --no-deps -r requirements-nodeps.lock
  pipq --no-deps --no-build-isolation -e .
  mark venv requirements.lock requirements-nodeps.lock pyproject.toml
fi

# --- toolchain builds (each caches itself) ---------------------------------
for step in toolchain/bootstrap.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
say "ready"
