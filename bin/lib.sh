# Shared by bin/demo and .ci/run: create the virtualenv and install the pinned packages.
# Re-installs only when pyproject.toml changed since the last install.

ensure_venv() {
  local extras="$1"  # "" for runtime only, "dev" for tests and tooling
  local stamp=".venv/.installed-${extras:-runtime}"
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv with $(python3 --version)"
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> Installing Python packages (pinned in pyproject.toml)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ -n "$extras" ]; then
      .venv/bin/python -m pip install --quiet -e ".[$extras]"
    else
      .venv/bin/python -m pip install --quiet -e .
    fi
    echo "$want" > "$stamp"
  fi
}
