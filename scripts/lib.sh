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

# ensure_claude_code: the real Claude Code from the npm registry, at
# exactly CLAUDE_CODE_VERSION, in its own tools folder (its native binary
# comes in a platform package, about 400 MB); exports CLAUDE_CODE_BIN, the
# path the real-agent tests run. The tests give it a stub model server on
# 127.0.0.1 and a HOME of their own.
CLAUDE_CODE_VERSION=2.1.328
ensure_claude_code() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir claude-code "$CLAUDE_CODE_VERSION" _claude_code_into)"
  if [ ! -x "$dir/node_modules/.bin/claude" ]; then
    log "installing Claude Code $CLAUDE_CODE_VERSION into $dir"
    install_into "$dir" _claude_code_into
  fi
  export CLAUDE_CODE_BIN="$dir/node_modules/.bin/claude"
}
_claude_code_into() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error \
    "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION")
}

# ensure_codex: the real Codex CLI from the npm registry, at exactly
# CODEX_VERSION, in its own tools folder (its native binary comes in a
# platform package); exports CODEX_BIN for the real-agent tests, which give
# it a stub Responses API server on 127.0.0.1 and a CODEX_HOME of their own.
CODEX_VERSION=0.169.0
ensure_codex() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir codex "$CODEX_VERSION" _codex_into)"
  if [ ! -x "$dir/node_modules/.bin/codex" ]; then
    log "installing Codex CLI $CODEX_VERSION into $dir"
    install_into "$dir" _codex_into
  fi
  export CODEX_BIN="$dir/node_modules/.bin/codex"
}
_codex_into() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error \
    "@openai/codex@$CODEX_VERSION")
}

# ensure_gemini: the real Gemini CLI from the npm registry, at exactly
# GEMINI_VERSION, in its own tools folder; exports GEMINI_BIN for the
# real-agent tests, which give it a stub Gemini API server on 127.0.0.1.
# Its optional native helpers (a pty, a keyring) are left out: they compile
# or download at install time, and Gemini runs without them.
GEMINI_VERSION=0.61.0
ensure_gemini() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir gemini-cli "$GEMINI_VERSION" _gemini_into)"
  if [ ! -x "$dir/node_modules/.bin/gemini" ]; then
    log "installing Gemini CLI $GEMINI_VERSION into $dir"
    install_into "$dir" _gemini_into
  fi
  export GEMINI_BIN="$dir/node_modules/.bin/gemini"
}
_gemini_into() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error --omit=optional \
    "@google/gemini-cli@$GEMINI_VERSION")
}

# ensure_opencode: the real opencode from the npm registry, at exactly
# OPENCODE_VERSION, in its own tools folder (its native binary comes in a
# platform package); exports OPENCODE_BIN for the real-agent tests, which
# give it a stub OpenAI-compatible server on 127.0.0.1.
OPENCODE_VERSION=1.18.33
ensure_opencode() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir opencode "$OPENCODE_VERSION" _opencode_into)"
  if [ ! -x "$dir/node_modules/.bin/opencode" ]; then
    log "installing opencode $OPENCODE_VERSION into $dir"
    install_into "$dir" _opencode_into
  fi
  export OPENCODE_BIN="$dir/node_modules/.bin/opencode"
}
_opencode_into() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error \
    "opencode-ai@$OPENCODE_VERSION")
}

# ensure_qwen: the real Qwen Code from the npm registry, at exactly
# QWEN_VERSION, in its own tools folder (its optional native helpers left
# out); exports QWEN_BIN for the real-agent tests, which give it a stub
# OpenAI-compatible server on 127.0.0.1.
QWEN_VERSION=0.24.4
ensure_qwen() {
  command -v npm >/dev/null || ensure_debs nodejs npm
  local dir
  dir="$(tool_dir qwen-code "$QWEN_VERSION" _qwen_into)"
  if [ ! -x "$dir/node_modules/.bin/qwen" ]; then
    log "installing Qwen Code $QWEN_VERSION into $dir"
    install_into "$dir" _qwen_into
  fi
  export QWEN_BIN="$dir/node_modules/.bin/qwen"
}
_qwen_into() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error --omit=optional \
    "@qwen-code/qwen-code@$QWEN_VERSION")
}

# ensure_cargo_fuzz: the libFuzzer driver scripts/fuzz runs; exports
# CARGO_FUZZ.
ensure_cargo_fuzz() {
  ensure_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz CARGO_FUZZ
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
    "$CLAUDE_CODE_BIN" --version | grep -q "^$CLAUDE_CODE_VERSION " ||
      { echo "error: Claude Code is not $CLAUDE_CODE_VERSION: $("$CLAUDE_CODE_BIN" --version)" >&2; exit 1; }
    case "$CLAUDE_CODE_BIN" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: Claude Code is not the pinned one: $CLAUDE_CODE_BIN" >&2; exit 1 ;; esac
    ensure_codex
    "$CODEX_BIN" --version | grep -q " $CODEX_VERSION\$" ||
      { echo "error: Codex is not $CODEX_VERSION: $("$CODEX_BIN" --version)" >&2; exit 1; }
    case "$CODEX_BIN" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: Codex is not the pinned one: $CODEX_BIN" >&2; exit 1 ;; esac
    ensure_gemini
    [ "$("$GEMINI_BIN" --version)" = "$GEMINI_VERSION" ] ||
      { echo "error: Gemini CLI is not $GEMINI_VERSION: $("$GEMINI_BIN" --version)" >&2; exit 1; }
    case "$GEMINI_BIN" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: Gemini CLI is not the pinned one: $GEMINI_BIN" >&2; exit 1 ;; esac
    ensure_opencode
    [ "$("$OPENCODE_BIN" --version)" = "$OPENCODE_VERSION" ] ||
      { echo "error: opencode is not $OPENCODE_VERSION: $("$OPENCODE_BIN" --version)" >&2; exit 1; }
    case "$OPENCODE_BIN" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: opencode is not the pinned one: $OPENCODE_BIN" >&2; exit 1 ;; esac
    ensure_qwen
    [ "$("$QWEN_BIN" --version)" = "$QWEN_VERSION" ] ||
      { echo "error: Qwen Code is not $QWEN_VERSION: $("$QWEN_BIN" --version)" >&2; exit 1; }
    case "$QWEN_BIN" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: Qwen Code is not the pinned one: $QWEN_BIN" >&2; exit 1 ;; esac
    case "$TAURI_DRIVER" in "$ISLAND_TOOLS_DIR"/*) ;; *) echo "error: tauri-driver is not the pinned one: $TAURI_DRIVER" >&2; exit 1 ;; esac
  )
  log "fresh set-up check passed"
}

# setup_stamp: a hash of everything that decides what the scripts install.
setup_stamp() {
  cat "$ROOT/scripts/lib.sh" "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -c1-16
}
