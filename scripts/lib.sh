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

# Tools the scripts install live in a folder the project owns, one folder a
# tool, keyed by the tool's pinned version and by a hash of the function that
# installs it: a new version or a changed install line gives a new folder,
# so the install runs again on every machine (CI included). Nothing found
# elsewhere on PATH is taken for a pinned tool.
TOOLS_DIR="${ISLAND_TOOLS_DIR:-$HOME/.cache/island/tools}"
TAURI_DRIVER_VERSION=2.0.5
CARGO_FUZZ_VERSION=0.13.2

# tool_dir NAME VERSION FUNCTION [FILE...]: the folder for that tool, keyed
# by its version, the text of the installing FUNCTION and the FILEs' bytes.
tool_dir() {
  local name="$1" version="$2" fn="$3"
  shift 3
  local key
  key="$( { declare -f "$fn"; [ $# -eq 0 ] || cat "$@"; } | sha256sum | cut -c1-12)"
  printf '%s/%s-%s-%s' "$TOOLS_DIR" "$name" "$version" "$key"
}

# install_into DIR COMMAND...: runs COMMAND with $1 = a temporary folder
# beside DIR, and renames it to DIR only when COMMAND succeeded, so a broken
# install never leaves a folder that looks done. Fails loudly.
install_into() {
  local dir="$1"
  shift
  local tmp="$dir.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! "$@" "$tmp"; then
    rm -rf "$tmp"
    echo "error: installing into $dir failed" >&2
    return 1
  fi
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

# ensure_node_modules: the npm packages of package.json (Tauri CLI, esbuild,
# TypeScript, @tauri-apps/api), at the exact versions of package.json and its
# lock file, in a tools folder keyed by both; node_modules is a link to it.
ensure_node_modules() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir node-modules lock _npm_install_into "$ROOT/package.json" "$ROOT/package-lock.json")"
  if [ ! -f "$dir/node_modules/.package-lock.json" ]; then
    log "installing npm packages into $dir"
    install_into "$dir" _npm_install_into
  fi
  if [ "$(readlink "$ROOT/node_modules" 2>/dev/null)" != "$dir/node_modules" ]; then
    [ -L "$ROOT/node_modules" ] || [ ! -e "$ROOT/node_modules" ] ||
      { log "replacing the node_modules folder by a link to $dir"; rm -rf "$ROOT/node_modules"; }
    ln -sfn "$dir/node_modules" "$ROOT/node_modules"
  fi
}
_npm_install_into() {
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$1/"
  # Not `npm ci`: the lock file cannot list the CLI's packages for other
  # platforms when the registry mirror does not serve them, and `npm ci`
  # refuses such a lock. `--no-save` installs what the lock says and
  # changes neither file.
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error)
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
APP_BUILD_DEBS=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev pkg-config build-essential file
  libgtk-layer-shell-dev)
# What the demo needs beyond that to run.
DEMO_DEBS=(libayatana-appindicator3-1 libgtk-layer-shell0)
# Real components the tests run: a D-Bus session bus (dbus-daemon), the
# dunst notification daemon on a headless X server (Xvfb), setpriv to
# connect as another user, Debian's own python3 for that foreign client,
# `script` (bsdutils) for a real terminal in `island setup`'s question, and
# for click-through a real tmux, xterm and kitty windows, openbox and xprop;
# /usr/bin/time for the process benchmark (peak memory);
# the tray host (status-notifier-watcher) and WebKit's WebDriver; OpenSSH's
# server and client (and ssh-keygen) for `island remote` on loopback;
# real Wayland compositors: Sway (with the foot terminal and grim for
# screenshots), KDE's KWin (asked through gdbus) and GNOME's mutter with
# Xwayland.
TEST_DEBS=(dbus dunst xvfb xauth util-linux bsdutils python3 openbox xterm x11-utils tmux kitty time
  haskell-status-notifier-item-utils webkit2gtk-driver openssh-server openssh-client
  sway foot grim kwin-wayland libglib2.0-bin mutter xwayland)

# ensure_cargo_tool CRATE VERSION BIN VAR: CRATE at exactly VERSION from
# crates.io, built into its own tools folder; exports VAR, the path of BIN.
ensure_cargo_tool() {
  local crate="$1" version="$2" bin="$3" var="$4" dir
  dir="$(tool_dir "$crate" "$version" _cargo_install_into)"
  if [ ! -x "$dir/bin/$bin" ]; then
    log "installing $crate $version into $dir"
    install_into "$dir" _cargo_install_into "$crate" "$version"
  fi
  export "$var=$dir/bin/$bin"
}
_cargo_install_into() {
  CARGO_TARGET_DIR="$TOOLS_DIR/.build/$1" cargo install --locked --quiet --root "$3" "$1@$2"
}

# ensure_tauri_driver: the WebDriver bridge the widget test drives the app
# through; exports TAURI_DRIVER, the path the tests run.
ensure_tauri_driver() {
  ensure_cargo_tool tauri-driver "$TAURI_DRIVER_VERSION" tauri-driver TAURI_DRIVER
}

# The real agents the bridge tests drive, from the npm registry at exact
# versions. Each gets a tools folder of its own, keyed by its package, its
# version, its npm flags and the installing function; the tests give each
# a stub model server on 127.0.0.1 and a HOME of their own.
CLAUDE_CODE_VERSION=2.1.328
CODEX_VERSION=0.169.0
GEMINI_VERSION=0.61.0
OPENCODE_VERSION=1.18.33
QWEN_VERSION=0.24.4
DROID_VERSION=0.225.2

# ensure_npm_tool NAME PACKAGE VERSION BIN VAR [NPM FLAG...]: PACKAGE at
# exactly VERSION in its tools folder; exports VAR, the path of its BIN (a
# name in node_modules/.bin, or a path under node_modules for a package
# that declares no bin).
ensure_npm_tool() {
  local name="$1" package="$2" version="$3" bin="$4" var="$5"
  shift 5
  command -v npm >/dev/null || ensure_debs nodejs npm
  local key dir path
  key="$( { declare -f _npm_tool_into; echo "$package@$version $*"; } | sha256sum | cut -c1-12)"
  dir="$TOOLS_DIR/$name-$version-$key"
  case "$bin" in
    */*) path="$dir/node_modules/$bin" ;;
    *) path="$dir/node_modules/.bin/$bin" ;;
  esac
  if [ ! -x "$path" ]; then
    log "installing $package $version into $dir"
    install_into "$dir" _npm_tool_into "$package@$version" "$@"
  fi
  export "$var=$path"
}
# _npm_tool_into SPEC [NPM FLAG...] DIR (DIR last, as install_into passes it).
_npm_tool_into() {
  local args=("$@")
  local dir="${args[-1]}"
  unset 'args[-1]'
  (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error "${args[@]}")
}

# Claude Code's native binary comes in a platform package (about 400 MB),
# as Codex's and opencode's do. Gemini's and Qwen's optional native helpers
# (a pty, a keyring) are left out: they compile or download at install
# time, and neither needs them.
ensure_claude_code() {
  ensure_npm_tool claude-code @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" claude CLAUDE_CODE_BIN
}
ensure_codex() {
  ensure_npm_tool codex @openai/codex "$CODEX_VERSION" codex CODEX_BIN
}
ensure_gemini() {
  ensure_npm_tool gemini-cli @google/gemini-cli "$GEMINI_VERSION" gemini GEMINI_BIN --omit=optional
}
ensure_opencode() {
  ensure_npm_tool opencode opencode-ai "$OPENCODE_VERSION" opencode OPENCODE_BIN
}
ensure_qwen() {
  ensure_npm_tool qwen-code @qwen-code/qwen-code "$QWEN_VERSION" qwen QWEN_BIN --omit=optional
}
# Factory Droid: @factory/cli is a launcher whose platform packages carry
# the binary, and its latest (0.225.1) names a linux-x64 package the
# registry does not have; the platform package itself (0.225.2) is the
# agent, and declares no bin.
ensure_droid() {
  ensure_npm_tool droid @factory/cli-linux-x64 "$DROID_VERSION" @factory/cli-linux-x64/bin/droid DROID_BIN
}

# ensure_cargo_fuzz: the libFuzzer driver scripts/fuzz runs; exports
# CARGO_FUZZ.
ensure_cargo_fuzz() {
  ensure_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz CARGO_FUZZ
}

# check_pinned BIN VERSION: BIN is the one in the tools folder and says it
# is VERSION.
check_pinned() {
  case "$1" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: $1 is not the pinned one" >&2; exit 1 ;; esac
  "$1" --version | grep -qwF "$2" ||
    { echo "error: $1 is not $2: $("$1" --version)" >&2; exit 1; }
}

# fresh_setup_check: runs every install step of scripts/demo and
# scripts/test from nothing: a copy of the tracked tree, an empty HOME, an
# empty CARGO_HOME (a new crates cache) and an empty tools folder; only the
# machine's own configuration files (~/.npmrc, ~/.gitconfig) are copied, as
# a new machine has them. Debian packages cannot be uninstalled here, so
# their names are checked by a simulated install of every one. Then each
# installed tool is run once. Fails loudly on any error.
fresh_setup_check() {
  local scratch
  scratch="$(mktemp -d /tmp/island-fresh.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$scratch'" RETURN
  mkdir -p "$scratch/home" "$scratch/repo"
  for f in .npmrc .gitconfig; do [ ! -f "$HOME/$f" ] || cp "$HOME/$f" "$scratch/home/"; done
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch/repo")
  log "fresh set-up check in $scratch"
  log "Debian packages: simulated install of every package the scripts name"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install --simulate --reinstall -qq --no-install-recommends \
    "${APP_BUILD_DEBS[@]}" "${DEMO_DEBS[@]}" "${TEST_DEBS[@]}" >/dev/null
  (
    export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
    export HOME="$scratch/home" CARGO_HOME="$scratch/home/.cargo"
    export ISLAND_TOOLS_DIR="$scratch/home/.cache/island/tools"
    # shellcheck source=/dev/null
    source "$scratch/repo/scripts/lib.sh"
    ensure_rust_components
    ensure_ui
    [ -s "$ROOT/ui/dist/assets/widget.js" ] || { echo "error: the widget build made no widget.js" >&2; exit 1; }
    (cd "$ROOT" && npx --no-install tauri --version) >/dev/null
    ensure_tauri_driver
    "$TAURI_DRIVER" --help >/dev/null
    ensure_cargo_fuzz
    "$CARGO_FUZZ" --version >/dev/null
    ensure_claude_code
    check_pinned "$CLAUDE_CODE_BIN" "$CLAUDE_CODE_VERSION"
    ensure_codex
    check_pinned "$CODEX_BIN" "$CODEX_VERSION"
    ensure_gemini
    check_pinned "$GEMINI_BIN" "$GEMINI_VERSION"
    ensure_opencode
    check_pinned "$OPENCODE_BIN" "$OPENCODE_VERSION"
    ensure_qwen
    check_pinned "$QWEN_BIN" "$QWEN_VERSION"
    ensure_droid
    check_pinned "$DROID_BIN" "$DROID_VERSION"
    case "$TAURI_DRIVER" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: tauri-driver is not the pinned one: $TAURI_DRIVER" >&2; exit 1 ;; esac
  )
  log "fresh set-up check passed"
}

# setup_stamp: a hash of everything that decides what the scripts install.
setup_stamp() {
  cat "$ROOT/scripts/lib.sh" "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -c1-16
}
