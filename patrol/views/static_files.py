"""Every file a page loads, under a content-hashed name, compressed once, kept by browsers for a year.

The one way a static file is versioned. A file is known by a logical name: a file under static/
(`css/app.css`, `icons/icon-192.png`), one of our script bundles (`bundles/page.js`) or a file of an
installed package (`vendor/htmx.min.js`; both in patrol.views.static_bundles).
`url_for('static', filename='css/app.css')` gives `/static/css/app.3f2a9c1e.css`: the name carries a
hash of the file's bytes, so the response is cached for a year as immutable, and a deploy that changes
the file changes its URL. That is also the only thing that reliably refreshes WeChat's built-in
browser, which keeps old assets whatever a page's headers say. The service worker knows the same one
rule (`hashed_path_pattern`) and precaches the same list (`all_static`).

The plain URL (and a hash from an earlier deploy) still answers, with the current file and `no-cache`,
for pages an old version left in some cache.

Each file is hashed when the app starts (in debug, again whenever it changes), and compressed once, at
the first request for it, at brotli's and gzip's highest levels and kept in memory (all of static/ in
0.6 s on the dev machine, so not at start: every app a test makes would pay it). The per-request
compression of pages (patrol.views.compression) uses quicker levels that would make htmx and our CSS
3–4 KB larger on the scan page's first load. Our JavaScript is sent minified (rjsmin).

Why this and not Flask-Static-Digest (its README, 0.4.1): that is a build step. `flask digest compile`
writes hashed copies and .gz/.br files into static/ before the server starts, and without it pages get
plain, uncacheable names; its compressed copies are for a web server in front (nginx's gzip_static),
since Flask's static route sends the plain file. It neither joins nor minifies scripts (it leaves that
to webpack or esbuild), and it digests only files inside a static folder, so htmx would have to be
copied into the repo. This module hashes at start, so the quick start (`bash scripts/demo.sh`,
`pip install -e .`) has no build step; it serves brotli and gzip from memory with nothing in front;
it bundles and minifies our scripts; and it serves a package's file under a static name.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
import rjsmin
from flask import Flask, Response, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from patrol.views.static_bundles import BUNDLES, SEPARATOR, VENDOR

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# A plain or outdated name: asked again every time, answered 304 while the file is unchanged.
REVALIDATE = "no-cache"
DIGEST_LENGTH = 8
# '<stem>.<hash>.<ext>' (or '<name>.<hash>' without an extension). Written so that JavaScript's RegExp
# reads it alike: the service worker gets it from hashed_path_pattern().
NAME_WITH_HASH = r"(.+)\.([0-9a-f]{8})(\.[^./]+)?"
HASHED_NAME = re.compile(f"^{NAME_WITH_HASH}$")
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "text/html",
        "text/plain",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
        "image/x-icon",
    }
)
MIN_COMPRESSED_SIZE = 256  # below this the encoding's own overhead eats the saving
ENCODINGS = ("br", "gzip")  # brotli first: about 10 % smaller than gzip on our CSS and JS
# Endpoints whose responses are the same for everyone: they set no cookie and do not vary on one.
ASSET_ENDPOINTS = {"static", "pwa.favicon", "pwa.apple_touch_icon", "pwa.manifest"}
EXTENSION_KEY = "patrol.views.static_files"

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("image/x-icon", ".ico")  # what browsers have always been sent for a favicon


@dataclass(frozen=True)
class Asset:
    """One file as served: its logical name, the files it is made of (one, or a bundle's parts, joined),
    the SHA-256 of their bytes, and their (mtime_ns, size) stamps: in debug, a changed stamp means hash again."""

    name: str
    parts: tuple[Path, ...]
    sha256: str
    stamp: tuple

    @classmethod
    def of(cls, name: str, parts: tuple[Path, ...]) -> Asset | None:
        stamp = _stamps(parts)
        if not stamp:
            return None
        data = SEPARATOR.join(part.read_bytes() for part in parts)
        return cls(name, parts, hashlib.sha256(data).hexdigest(), stamp)

    @property
    def size(self) -> int:
        return sum(size for _mtime, size in self.stamp)

    @property
    def digest(self) -> str:
        return self.sha256[:DIGEST_LENGTH]


def _stamps(paths: tuple[Path, ...]) -> tuple:
    """One (mtime_ns, size) per file, or () when one is missing: never equal to a stamp taken before."""
    try:
        found = [path.stat() for path in paths]
    except OSError:
        return ()
    if not all(stat.S_ISREG(status.st_mode) for status in found):
        return ()
    return tuple((status.st_mtime_ns, status.st_size) for status in found)


def hashed_name(filename: str, digest: str) -> str:
    """'css/app.css' → 'css/app.3f2a9c1e.css' (the hash goes before the last extension)."""
    folder, _, name = filename.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    renamed = f"{stem}.{digest}.{extension}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{renamed}" if folder else renamed


class StaticFolder:
    """Every logical name and its file: hashed once at start, or checked on every look in debug (`watch`)."""

    def __init__(self, root: Path, watch: bool = False):
        self.root, self.watch = root, watch
        self._assets: dict[str, Asset] = {}
        for name in self._names_on_disk():
            self.asset(name, refresh=True)

    def _names_on_disk(self) -> set[str]:
        files = {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}
        return files | set(BUNDLES) | set(VENDOR)

    def _parts(self, name: str) -> tuple[Path, ...]:
        if name in BUNDLES:
            return tuple(self.root / part for part in BUNDLES[name])
        if name in VENDOR:
            return (VENDOR[name],)
        found = safe_join(str(self.root), name)  # a requested name may try to leave the folder
        return (Path(found),) if found else ()

    def asset(self, name: str, refresh: bool = False) -> Asset | None:
        """The file a logical name means; in debug (or at start) hashed afresh when its files changed."""
        known = self._assets.get(name)
        if not (refresh or self.watch):
            return known
        parts = self._parts(name)
        if known is not None and parts and known.stamp == _stamps(parts):
            return known
        found = Asset.of(name, parts) if parts else None
        if found is None:
            self._assets.pop(name, None)
        else:
            self._assets[name] = found
        return found

    def assets(self) -> dict[str, Asset]:
        """Every file by its logical name, in name order."""
        if self.watch:
            for name in self._names_on_disk() | set(self._assets):
                self.asset(name)
        return dict(sorted(self._assets.items()))

    def url_name(self, filename: str) -> str:
        """The name to put in a URL: hashed, unless no such file is known."""
        asset = self.asset(filename)
        return hashed_name(filename, asset.digest) if asset else filename

    def resolve(self, requested: str) -> tuple[Asset | None, bool]:
        """The file a requested name means, and whether that name carries the file's current hash."""
        asset = self.asset(requested)
        if asset is not None:
            return asset, False
        match = HASHED_NAME.match(requested)
        if not match:
            return None, False
        stem, digest, extension = match.groups()
        asset = self.asset(stem + (extension or ""))
        return asset, asset is not None and asset.digest == digest


def _encoding_for(asset: Asset, mimetype: str) -> str | None:
    if mimetype not in COMPRESSIBLE or asset.size < MIN_COMPRESSED_SIZE:
        return None
    return request.accept_encodings.best_match(ENCODINGS)


@lru_cache(maxsize=256)
def _body(parts: tuple[Path, ...], sha256: str, encoding: str | None) -> bytes:
    """The file's bytes (a bundle's parts joined) as sent; the hash is in the key so an edited file
    (debug) is read afresh."""
    data = SEPARATOR.join(_minified(path) for path in parts)
    if encoding == "br":
        return brotli.compress(data, quality=11)
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def _minified(path: Path) -> bytes:
    """Our JavaScript is written to be read (comments say why); phones get it without comments and
    indentation (rjsmin keeps strings and regular expressions intact). A package's .min.js goes as it is."""
    data = path.read_bytes()
    if path.suffix != ".js" or path.name.endswith(".min.js"):
        return data
    return rjsmin.jsmin(data.decode("utf-8")).encode("utf-8")


def asset_response(asset: Asset, current: bool) -> Response:
    """The file, compressed as the browser accepts, immutable for a year when its URL named this content."""
    mimetype = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
    encoding = _encoding_for(asset, mimetype)
    response = Response(_body(asset.parts, asset.sha256, encoding), mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response.make_conditional(request)


def static_folder() -> StaticFolder:
    return current_app.extensions[EXTENSION_KEY]


def serve_static(filename: str) -> Response:
    """The `static` endpoint's view: /static/<plain or hashed name>."""
    asset, current = static_folder().resolve(filename)
    if asset is None:
        raise NotFound()
    return asset_response(asset, current)


def hashed_url(filename: str) -> str:
    """The URL of a static file, with its content hash: what url_for('static', filename=…) gives."""
    return url_for("static", filename=filename)


def all_static() -> list[tuple[str, str]]:
    """Every static file with its URL, e.g. ('css/app.css', '/static/css/app.3f2a9c1e.css')."""
    return [(name, hashed_url(name)) for name in static_folder().assets()]


def hashed_path_pattern() -> str:
    """The one rule for a URL whose content never changes: /static/<stem>.<hash>.<ext> (a regular
    expression that Python and JavaScript read alike; the service worker keeps these cache-first)."""
    return "^" + re.escape(current_app.static_url_path + "/") + NAME_WITH_HASH + "$"


class _AssetsWithoutCookies(SecureCookieSessionInterface):
    """A file is the same for everyone: its response must not set a cookie or carry `Vary: Cookie`,
    or a browser would ask for it again whenever the cookie changes (signing in changes it).

    Hooks that merely look at the signed-in user read the session (and Flask-Login's session
    protection even writes a flag into a session that has none yet); whatever they did is done
    again on the next page, so an asset's response never saves the session."""

    def save_session(self, app, session, response):
        if request.endpoint in ASSET_ENDPOINTS:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Call before patrol.views.security_headers: the page hook below must run after its own (Flask runs
    after-request hooks last registered, first)."""
    app.extensions[EXTENSION_KEY] = StaticFolder(Path(app.static_folder), watch=app.debug)
    app.view_functions["static"] = serve_static
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = _AssetsWithoutCookies()

    @app.url_defaults
    def _hash_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = static_folder().url_name(values["filename"])

    @app.after_request
    def _pages_revalidate(response):
        # Pages are always asked for again (a service worker keeps its own copy for offline use).
        # Signed-in pages already say `private, no-store` (security_headers); this is for the rest.
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", REVALIDATE)
        return response
