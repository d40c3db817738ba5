#!/usr/bin/env sh
# Build claude-sandbox from this checkout and install it for the current user.
#
#   ./install.sh               build (release) and install to ~/.local/bin, plus shell completions
#                              and the kubectl plugin (kubectl claude-sandbox …), and manual
#                              pages under ~/.local/share/man (man claude-sandbox)
#   PREFIX=/opt/cs ./install.sh    install to /opt/cs/bin instead
#   ./install.sh --uninstall   remove exactly what an install put in place
#   ./install.sh --binary PATH install a binary you already built instead of building one
#
# Needs only a Rust toolchain (cargo). Running it again replaces the installed files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-"$HOME/.local"}
bindir="$prefix/bin"
man_dir="$prefix/share/man/man1"
data_home=${XDG_DATA_HOME:-"$HOME/.local/share"}
config_home=${XDG_CONFIG_HOME:-"$HOME/.config"}
bash_dir="$data_home/bash-completion/completions"
zsh_dir="$data_home/zsh/site-functions"
fish_dir="$config_home/fish/completions"
manifest="$data_home/claude-sandbox/installed-files"

say() { printf '%s\n' "$*" >&2; }

uninstall() {
  if [ ! -f "$manifest" ]; then
    say "nothing to remove: no install record at $manifest"
    exit 0
  fi
  while IFS= read -r f; do
    [ -n "$f" ] && rm -f "$f" && say "removed $f"
  done < "$manifest"
  rm -f "$manifest"
  rmdir "$(dirname "$manifest")" 2>/dev/null || true
  say "claude-sandbox uninstalled"
}

binary=""
case "${1:-}" in
  --uninstall) uninstall; exit 0 ;;
  -h|--help) sed -n '/^set -eu/q; 2,$p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --binary)
    binary=${2:-}
    [ -n "$binary" ] && [ -x "$binary" ] || { say "error: --binary needs the path of an executable"; exit 2; } ;;
  "") ;;
  *) say "error: unknown option '$1' (try --help)"; exit 2 ;;
esac

if [ -z "$binary" ]; then
  command -v cargo >/dev/null 2>&1 || { say "error: cargo not found; install Rust from https://rustup.rs first"; exit 1; }
  say "building claude-sandbox (release; the first build takes a few minutes)…"
  cargo build --release --locked --manifest-path "$here/Cargo.toml" ${CARGO_BUILD_QUIET:+--quiet}
  target_dir=$(cd "$here" && cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  binary="${target_dir:-$here/target}/release/claude-sandbox"
fi

mkdir -p "$bindir" "$bash_dir" "$zsh_dir" "$fish_dir" "$(dirname "$manifest")"
installed=""
put() { # put SOURCE DEST MODE
  tmp="$2.tmp.$$"
  cp "$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2"
  installed="$installed$2
"
}
link() { # link TARGET NAME: NAME in the bin directory runs TARGET, which sits next to it
  tmp="$bindir/$2.tmp.$$"
  ln -sf "$1" "$tmp" && mv -f "$tmp" "$bindir/$2"
  installed="$installed$bindir/$2
"
}
put "$binary" "$bindir/claude-sandbox" 755
# kubectl runs `kubectl claude-sandbox …` as the file kubectl-claude_sandbox on the PATH, and
# completes it by asking kubectl_complete-claude_sandbox.
link claude-sandbox kubectl-claude_sandbox
link claude-sandbox kubectl_complete-claude_sandbox
# The manual pages come from the binary just installed, so they describe exactly its flags.
pages=$("$bindir/claude-sandbox" man --dir "$man_dir") || { say "error: could not write the manual pages into $man_dir"; exit 1; }
installed="$installed$pages
"
put "$here/completions/claude-sandbox.bash" "$bash_dir/claude-sandbox" 644
put "$here/completions/_claude-sandbox" "$zsh_dir/_claude-sandbox" 644
put "$here/completions/claude-sandbox.fish" "$fish_dir/claude-sandbox.fish" 644
printf '%s' "$installed" > "$manifest"

say "installed $bindir/claude-sandbox, completions for bash, zsh and fish, the kubectl plugin (kubectl claude-sandbox) and manual pages in $man_dir"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) say "note: $bindir is not on your PATH; add it, e.g. export PATH=\"$bindir:\$PATH\"" ;;
esac
say "zsh: make sure $zsh_dir is in your fpath (fpath=($zsh_dir \$fpath) before compinit)"
