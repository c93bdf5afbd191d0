"""How every headless Chromium of this repository is launched: the browser tests, bench/ and scripts/."""

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers run as root), no GPU, and none of the browser's own traffic (updates, sync,
# QUIC) to mix with what the page asks the server for.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
