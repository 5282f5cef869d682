# shellcheck shell=bash
# Put uv on PATH, installing it if it is not there. Sourced by .ci/run and run by `make uv`.
#
# `pip install uv` is what the project used to do, and a fresh Debian 12 refuses it: its Python
# is "externally managed" (PEP 668), and pip may not be installed at all. So, in order:
#   1. uv already on PATH, or installed by an earlier run (under the checkout, or in ~/.local/bin);
#   2. a venv under the checkout (.ci/.uv, ignored by git): nothing outside the checkout changes.
#      Debian's python3 makes a venv only with python3-venv installed: apt installs it if it can;
#   3. pipx (installed by apt if it can), which puts uv in ~/.local/bin;
#   4. last resort: pip install --user --break-system-packages, into ~/.local only.
# Each step that fails falls through to the next; nothing but packages is downloaded (uv from
# PyPI, python3-venv or pipx from Debian). The uv found is then `command -v uv`.

UV_HOME_DIR=${UV_HOME_DIR:-.ci/.uv}
_uv_apt_updated=

_uv_say() { echo "uv bootstrap: $*" >&2; }

_uv_use() {
  # Put directory $1 first on PATH when it holds an uv that runs.
  [[ -x $1/uv ]] && "$1/uv" --version >/dev/null 2>&1 || return 1
  export PATH="$1:$PATH"
}

_uv_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [[ -z $_uv_apt_updated ]]; then
    apt-get update -qq >/dev/null 2>&1 || return 1
    _uv_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

_uv_venv() {
  local dir=$1
  rm -rf "$dir"  # a venv made without ensurepip is left half-made: start again
  python3 -m venv "$dir" >/dev/null 2>&1 && [[ -x $dir/bin/pip ]]
}

ensure_uv() {
  command -v uv >/dev/null 2>&1 && return 0
  local venv
  venv="$(pwd -P)/$UV_HOME_DIR"
  _uv_use "$venv/bin" && return 0
  _uv_use "$HOME/.local/bin" && return 0

  if _uv_venv "$venv" || { _uv_apt python3-venv && _uv_venv "$venv"; }; then
    if "$venv/bin/pip" install --quiet uv >/dev/null 2>&1 && _uv_use "$venv/bin"; then
      _uv_say "installed uv in $UV_HOME_DIR"
      return 0
    fi
  fi
  rm -rf "$venv"

  if command -v pipx >/dev/null 2>&1 || _uv_apt pipx; then
    if pipx install --quiet uv >/dev/null 2>&1; then
      local bin
      bin=$(pipx environment --value PIPX_BIN_DIR 2>/dev/null) || bin="$HOME/.local/bin"
      if _uv_use "$bin"; then
        _uv_say "installed uv with pipx in $bin"
        return 0
      fi
    fi
  fi

  if python3 -m pip install --quiet --user --break-system-packages uv >/dev/null 2>&1 &&
    _uv_use "$HOME/.local/bin"; then
    _uv_say "installed uv with pip --user --break-system-packages in ~/.local/bin"
    return 0
  fi

  _uv_say "cannot install uv: no venv (python3-venv), pipx or pip worked; install uv and run again"
  return 1
}

# Run, not sourced (`bash .ci/uv-bootstrap.sh`): install if needed and print where uv is.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  ensure_uv
  command -v uv
fi
