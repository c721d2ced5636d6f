#!/bin/sh
# Install DocClean for the current user, or remove it again (--uninstall):
#   the app folder          $XDG_DATA_HOME/docclean         (default ~/.local/share/docclean)
#   the menu entry          $XDG_DATA_HOME/applications/docclean.desktop
#   the icons               $XDG_DATA_HOME/icons/hicolor/*/apps/docclean.{png,svg}
#   the `docclean` command  ~/.local/bin/docclean (a link into the app folder)
# Needs no root and no Python. Run it from the unpacked DocClean folder.
set -eu

APP_ID=docclean
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
BIN_HOME=${XDG_BIN_HOME:-$HOME/.local/bin}
TARGET=$DATA_HOME/$APP_ID
DESKTOP_FILE=$DATA_HOME/applications/$APP_ID.desktop
ICON_THEME=$DATA_HOME/icons/hicolor
ICON_SIZES="16 32 48 64 128 256"
SOURCE=$(cd "$(dirname "$0")" && pwd -P)

usage() {
    echo "usage: $0 [--uninstall]"
    echo "Installs DocClean for $(id -un) under $DATA_HOME (no root needed)."
}

refresh_menus() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$ICON_THEME" 2>/dev/null || true
    fi
}

# Copy the .desktop template, pointing Exec/TryExec at the installed executable.
write_desktop_file() {
    executable=$TARGET/DocClean
    mkdir -p "$(dirname "$DESKTOP_FILE")"
    while IFS= read -r line; do
        case $line in
            Exec=*) printf 'Exec="%s" %%F\n' "$executable" ;;
            TryExec=*) printf 'TryExec=%s\n' "$executable" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done <"$SOURCE/$APP_ID.desktop" >"$DESKTOP_FILE.tmp"
    mv "$DESKTOP_FILE.tmp" "$DESKTOP_FILE"
}

install_icons() {
    icons=$TARGET/_internal/resources/icons
    for size in $ICON_SIZES; do
        if [ -f "$icons/docclean-$size.png" ]; then
            mkdir -p "$ICON_THEME/${size}x$size/apps"
            cp "$icons/docclean-$size.png" "$ICON_THEME/${size}x$size/apps/$APP_ID.png"
        fi
    done
    mkdir -p "$ICON_THEME/scalable/apps"
    cp "$icons/docclean.svg" "$ICON_THEME/scalable/apps/$APP_ID.svg"
}

link_command() {
    link=$BIN_HOME/$APP_ID
    if [ -e "$link" ] && [ ! -L "$link" ]; then
        echo "note: $link exists and is not ours; left it alone (the command is $TARGET/docclean)"
        return
    fi
    mkdir -p "$BIN_HOME"
    ln -sfn "$TARGET/docclean" "$link"
    case ":$PATH:" in
        *":$BIN_HOME:"*) ;;
        *) echo "note: $BIN_HOME is not on your PATH; add it to use the docclean command" ;;
    esac
}

install_app() {
    if [ ! -x "$SOURCE/DocClean" ] || [ ! -d "$SOURCE/_internal" ]; then
        echo "error: run install.sh from the unpacked DocClean folder" >&2
        exit 2
    fi
    if [ "$SOURCE" != "$(cd "$TARGET" 2>/dev/null && pwd -P)" ]; then
        # Copy beside the target, then swap, so an interrupted copy leaves the old install.
        mkdir -p "$DATA_HOME"
        staging=$TARGET.installing
        rm -rf "$staging"
        cp -R "$SOURCE" "$staging"
        rm -rf "$TARGET"
        mv "$staging" "$TARGET"
    fi
    write_desktop_file
    install_icons
    link_command
    refresh_menus
    echo "DocClean is installed in $TARGET and in your applications menu."
    echo "To remove it: $TARGET/install.sh --uninstall"
}

uninstall_app() {
    link=$BIN_HOME/$APP_ID
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$TARGET/docclean" ]; then
        rm -f "$link"
    fi
    rm -f "$DESKTOP_FILE"
    for size in $ICON_SIZES; do
        rm -f "$ICON_THEME/${size}x$size/apps/$APP_ID.png"
    done
    rm -f "$ICON_THEME/scalable/apps/$APP_ID.svg"
    rm -rf "$TARGET"
    refresh_menus
    echo "DocClean is uninstalled (your settings and cleaned pages are kept)."
}

case ${1:-} in
    "") install_app ;;
    --uninstall) uninstall_app ;;
    -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
esac
