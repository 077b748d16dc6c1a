#!/usr/bin/env bash
# Installs or uninstalls the built `ledger` and `epa-simulator` (used by `make install` / `make uninstall`).
#
#   scripts/install.sh install BIN_DIR PREFIX
#   scripts/install.sh uninstall PREFIX
#
# install copies, from BIN_DIR (a SwiftPM bin directory holding ledger, epa-simulator and
# generate-manual, the generator that swift-argument-parser's GenerateManual plugin runs):
#   PREFIX/bin/ledger, PREFIX/bin/epa-simulator
#   PREFIX/share/man/man1/ledger.1, ledger.switch.1, … (one page per command, from the command
#     definitions: `generate-manual --multi-page` run on the binaries being installed) and epa-simulator.1
#   PREFIX/share/bash-completion/completions/ledger
#   PREFIX/share/zsh/site-functions/_ledger
#   PREFIX/share/fish/vendor_completions.d/ledger.fish   (`ledger --generate-completion-script …`)
# and records every file and every directory it created in PREFIX/share/model-ledger/install-manifest.
# uninstall removes exactly what the manifest lists (files, then the directories install created,
# when empty), then the manifest. Set DESTDIR to stage into DESTDIR/PREFIX (packaging).
set -euo pipefail

usage() {
    echo "usage: $0 install BIN_DIR PREFIX | $0 uninstall PREFIX" >&2
    exit 64
}

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

[ $# -ge 1 ] || usage
action=$1
shift

# Every path install.sh may create, relative to the prefix, directories first (parents before children).
MANIFEST_REL=share/model-ledger/install-manifest
DIRS_REL=(bin share share/man share/man/man1 share/bash-completion share/bash-completion/completions
    share/zsh share/zsh/site-functions share/fish share/fish/vendor_completions.d share/model-ledger)

absolute_root() {
    # $1 = PREFIX; prints DESTDIR/PREFIX with no trailing slash.
    local prefix=$1
    case "$prefix" in
        /*) ;;
        *) fail "PREFIX must be an absolute path: $prefix" ;;
    esac
    local root="${DESTDIR:-}${prefix}"
    root="${root%/}"
    printf '%s\n' "${root:-/}"
}

do_install() {
    [ $# -eq 2 ] || usage
    local bin_dir=$1 root
    root=$(absolute_root "$2")
    local tool
    for tool in ledger epa-simulator generate-manual; do
        [ -x "$bin_dir/$tool" ] || fail "$bin_dir/$tool is missing; build first (make install builds it, or: swift build -c release && swift build -c release --product generate-manual)"
    done
    if [ -e "$root/$MANIFEST_REL" ]; then
        # A previous install: remove it first so the new manifest is exact.
        do_uninstall_root "$root"
    fi

    stage=$(mktemp -d "${TMPDIR:-/tmp}/model-ledger-install.XXXXXX") # global: the EXIT trap reads it
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/man" "$stage/completions"
    local date_args=()
    if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
        date_args=(--date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)")
    fi
    "$bin_dir/generate-manual" "$bin_dir/ledger" --multi-page "${date_args[@]}" --output-directory "$stage/man" >/dev/null
    "$bin_dir/generate-manual" "$bin_dir/epa-simulator" "${date_args[@]}" --output-directory "$stage/man" >/dev/null
    [ -f "$stage/man/ledger.switch.1" ] || fail "generate-manual wrote no ledger.switch.1"
    "$bin_dir/ledger" --generate-completion-script bash >"$stage/completions/ledger.bash"
    "$bin_dir/ledger" --generate-completion-script zsh >"$stage/completions/_ledger"
    "$bin_dir/ledger" --generate-completion-script fish >"$stage/completions/ledger.fish"

    # Directories first: record the ones that did not exist before.
    local created=() rel
    for rel in "${DIRS_REL[@]}"; do
        if [ ! -d "$root/$rel" ]; then
            mkdir -p "$root/$rel"
            created+=("$rel/")
        fi
    done
    local files=()
    put() { # mode source destination-relative-to-root
        install -m "$1" "$2" "$root/$3"
        files+=("$3")
    }
    put 0755 "$bin_dir/ledger" bin/ledger
    put 0755 "$bin_dir/epa-simulator" bin/epa-simulator
    local page
    for page in "$stage"/man/*.1; do
        put 0644 "$page" "share/man/man1/$(basename "$page")"
    done
    put 0644 "$stage/completions/ledger.bash" share/bash-completion/completions/ledger
    put 0644 "$stage/completions/_ledger" share/zsh/site-functions/_ledger
    put 0644 "$stage/completions/ledger.fish" share/fish/vendor_completions.d/ledger.fish

    # The manifest: files, then created directories deepest first (the order uninstall removes them in).
    {
        printf '%s\n' "${files[@]}"
        local i
        for ((i = ${#created[@]} - 1; i >= 0; i--)); do
            printf '%s\n' "${created[$i]}"
        done
    } >"$root/$MANIFEST_REL"
    chmod 0644 "$root/$MANIFEST_REL"
    echo "installed ledger and epa-simulator into $root (${#files[@]} files; make uninstall PREFIX=${2} removes them)"
}

do_uninstall_root() {
    local root=$1 line
    local manifest="$root/$MANIFEST_REL"
    [ -f "$manifest" ] || fail "nothing to uninstall: $manifest is missing (not installed by make install here)"
    local removed=0
    while IFS= read -r line; do
        case "$line" in
            "" | /* | *..*) fail "unexpected line in $manifest: $line" ;;
            */) ;; # directories: after the manifest itself is gone
            *)
                if [ -e "$root/$line" ] || [ -L "$root/$line" ]; then
                    rm -f -- "$root/$line"
                    removed=$((removed + 1))
                fi
                ;;
        esac
    done <"$manifest"
    local dirs=()
    while IFS= read -r line; do
        case "$line" in */) dirs+=("${line%/}") ;; esac
    done <"$manifest"
    rm -f -- "$manifest"
    for line in "${dirs[@]}"; do
        rmdir -- "$root/$line" 2>/dev/null || true # kept when something else lives there now
    done
    echo "removed $removed files installed by make install from $root"
}

case "$action" in
    install) do_install "$@" ;;
    uninstall)
        [ $# -eq 1 ] || usage
        do_uninstall_root "$(absolute_root "$1")"
        ;;
    *) usage ;;
esac
