# Shared by the scripts in this folder: where builds go, and installing
# what is missing (and only what is missing).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory for every script and CI run on this machine, so that
# builds are incremental (a cold build of the workspace takes minutes here).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/island/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '\n== %s\n' "$*" >&2; }

# ensure_debs PKG...: installs the Debian packages that are not installed.
ensure_debs() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# ensure_rust_components: rustfmt and clippy for the checks.
ensure_rust_components() {
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
}

# ensure_node_modules: the npm packages of package.json (Tauri CLI, esbuild,
# TypeScript, @tauri-apps/api), from the lock file; skipped when installed.
ensure_node_modules() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] ||
    [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm packages"
    # Not `npm ci`: the lock file cannot list the CLI's packages for other
    # platforms when the registry mirror does not serve them, and `npm ci`
    # refuses such a lock. `--no-save` installs what the lock says and
    # changes neither file.
    (cd "$ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error)
  fi
}

# ensure_ui: the widget's built files in ui/dist, which the app embeds at
# compile time; rebuilt when a source is newer.
ensure_ui() {
  ensure_node_modules
  local stamp="$ROOT/ui/dist/.built"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/ui/src" "$ROOT/ui/static" "$ROOT/package-lock.json" -newer "$stamp" -print -quit)" ]; then
    log "building the widget (ui/)"
    (cd "$ROOT" && npm run --silent build)
    touch "$stamp"
  fi
}

# Debian packages the desktop app needs to build.
APP_BUILD_DEBS=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev pkg-config build-essential file)

# ensure_tauri_driver: the WebDriver bridge the widget test drives the app
# through (crates.io); installed once into ~/.cargo/bin.
ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  log "installing tauri-driver"
  CARGO_TARGET_DIR="$HOME/.cache/island/tauri-driver-target" cargo install --locked --quiet tauri-driver@2
}
