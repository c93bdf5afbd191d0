"""Static files under content-hashed names, compressed once, kept by browsers for a year.

`url_for('static', filename='css/app.css')` gives `/static/css/app.3f2a9c1e.css`: the name carries a
hash of the file's bytes, so the response can be cached for a year as immutable and a deploy that
changes the file changes its URL. That is also the only thing that reliably refreshes WeChat's
built-in browser, which keeps old assets whatever a page's headers say. Templates keep writing plain
names; the service worker's precache list comes from the same mapping (`all_static`).

The plain URL (and a hash from an earlier deploy) still answers, with the current file and
`no-cache`, for pages an old version left in some cache.

Each file is compressed once, at brotli's and gzip's highest levels, and kept in memory: the
per-request compression of pages (patrol.views.compression) uses quicker levels that would make htmx
and our CSS 3–4 KB larger on the scan page's first load.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
import rjsmin
from flask import Flask, Response, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from patrol.views.static_bundles import BUNDLES, SEPARATOR

# htmx's JavaScript, as its package installed it (served by patrol/views/assets.py, precached by the
# service worker): a dependency, never a copy in the repo.
HTMX_FILE = (
    Path(next(iter(importlib.util.find_spec("js_lib_htmx").submodule_search_locations)))
    / "static"
    / "htmx"
    / "htmx.min.js"
)

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# A plain or outdated name: asked again every time, answered 304 while the file is unchanged.
REVALIDATE = "no-cache"
DIGEST_LENGTH = 8
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[^./]+)?$")
# Browsers know an installed app by its manifest's URL: renaming it on every change would stop updates.
UNHASHED = frozenset({"manifest.webmanifest"})
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
        "image/vnd.microsoft.icon",
        "image/x-icon",
    }
)
MIN_COMPRESSED_SIZE = 256  # below this the encoding's own overhead eats the saving
ENCODINGS = ("br", "gzip")  # brotli first: about 10 % smaller than gzip on our CSS and JS
# Endpoints whose responses are the same for everyone: they set no cookie and do not vary on one.
ASSET_ENDPOINTS = {
    "static",
    "assets.htmx_js",
    "pwa.icon",
    "pwa.favicon",
    "pwa.apple_touch_icon",
    "pwa.manifest",
}
EXTENSION_KEY = "patrol.views.static_files"

mimetypes.add_type("application/manifest+json", ".webmanifest")


@dataclass(frozen=True)
class Asset:
    """One file as served: where it is, the SHA-256 of its bytes, and when it last changed.

    A bundle (patrol.views.static_bundles) is served as one file made of `parts`; its `path` only names it.
    """

    path: Path
    sha256: str
    stamp: tuple  # (mtime_ns, size), one per part: in debug, a changed stamp means hash again
    parts: tuple[Path, ...] = ()

    @classmethod
    def of(cls, path: Path) -> Asset:
        status = path.stat()
        return cls(path, hashlib.sha256(path.read_bytes()).hexdigest(), (status.st_mtime_ns, status.st_size))

    @classmethod
    def bundle(cls, path: Path, parts: tuple[Path, ...]) -> Asset | None:
        if not all(part.is_file() for part in parts):
            return None
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.read_bytes() + SEPARATOR)
        return cls(path, digest.hexdigest(), _stamps(parts), parts)

    @property
    def size(self) -> int:
        return sum(size for _mtime, size in self.stamp) if self.parts else self.stamp[1]

    @property
    def files(self) -> tuple[Path, ...]:
        return self.parts or (self.path,)

    @property
    def digest(self) -> str:
        return self.sha256[:DIGEST_LENGTH]


def _stamps(paths: tuple[Path, ...]) -> tuple:
    try:
        return tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    except OSError:  # a part was removed: never equal to a stamp taken before
        return ()


def hashed_name(filename: str, digest: str) -> str:
    """'css/app.css' → 'css/app.3f2a9c1e.css' (the hash goes before the last extension)."""
    folder, _, name = filename.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    renamed = f"{stem}.{digest}.{extension}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{renamed}" if folder else renamed


class StaticFolder:
    """The hashes of one folder's files: computed once at start, or checked on every look in debug."""

    def __init__(self, root: Path, watch: bool = False):
        self.root, self.watch = root, watch
        self._assets: dict[str, Asset] = {}
        for name in self._scan():
            self._assets[name] = Asset.of(root / name)
        for name in BUNDLES:
            self._bundle(name)

    def _scan(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def _bundle(self, name: str) -> Asset | None:
        """A bundle as one asset, hashed afresh when a part changed (debug) or at start."""
        parts = tuple(self.root / part for part in BUNDLES[name])
        known = self._assets.get(name)
        if known is not None and (not self.watch or known.stamp == _stamps(parts)):
            return known
        found = Asset.bundle(self.root / name, parts)
        if found is None:
            self._assets.pop(name, None)
        else:
            self._assets[name] = found
        return found

    def names(self) -> list[str]:
        return sorted({*self._scan(), *BUNDLES}) if self.watch else sorted(self._assets)

    def asset(self, filename: str) -> Asset | None:
        if filename in BUNDLES:
            return self._bundle(filename)
        known = self._assets.get(filename)
        if known is not None and not self.watch:
            return known
        found = safe_join(str(self.root), filename)
        path = Path(found) if found else None
        if path is None or not path.is_file():
            self._assets.pop(filename, None)
            return None
        status = path.stat()
        if known is None or known.stamp != (status.st_mtime_ns, status.st_size):
            known = self._assets[filename] = Asset.of(path)
        return known

    def url_name(self, filename: str) -> str:
        """The name to put in a URL: hashed, unless the file is unknown or must keep its name."""
        asset = None if filename in UNHASHED else self.asset(filename)
        return hashed_name(filename, asset.digest) if asset else filename

    def resolve(self, requested: str) -> tuple[Asset | None, bool]:
        """The file a requested name means, and whether that name carries the file's current hash."""
        asset = self.asset(requested)
        if asset is not None:
            return asset, False
        match = HASHED_NAME.match(requested)
        if not match:
            return None, False
        asset = self.asset(match["stem"] + (match["ext"] or ""))
        return asset, asset is not None and asset.digest == match["digest"]


def _encoding_for(asset: Asset, mimetype: str) -> str | None:
    if mimetype not in COMPRESSIBLE or asset.size < MIN_COMPRESSED_SIZE:
        return None
    return request.accept_encodings.best_match(ENCODINGS)


@lru_cache(maxsize=256)
def _body(files: tuple[Path, ...], sha256: str, encoding: str | None) -> bytes:
    """The file's bytes (a bundle's parts joined) as sent; the hash is in the key so an edited file
    (debug) is read afresh.

    Our JavaScript is written to be read (comments say why); phones get it without comments and
    indentation (rjsmin keeps strings and regular expressions intact), so the scan page stays light.
    """
    data = SEPARATOR.join(_minified(path) for path in files)
    if encoding == "br":
        return brotli.compress(data, quality=11)
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def _minified(path: Path) -> bytes:
    data = path.read_bytes()
    return rjsmin.jsmin(data.decode("utf-8")).encode("utf-8") if path.suffix == ".js" else data


def asset_response(asset: Asset, current: bool) -> Response:
    """The file, compressed as the browser accepts, immutable for a year when its URL named this content."""
    mimetype = mimetypes.guess_type(asset.path.name)[0] or "application/octet-stream"
    encoding = _encoding_for(asset, mimetype)
    response = Response(_body(asset.files, asset.sha256, encoding), mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.digest}-{encoding or 'identity'}")
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response.make_conditional(request)


def _folder() -> StaticFolder:
    return current_app.extensions[EXTENSION_KEY]


def serve_static(filename: str) -> Response:
    """The `static` endpoint's view: /static/<plain or hashed name>."""
    asset, current = _folder().resolve(filename)
    if asset is None:
        raise NotFound()
    return asset_response(asset, current)


def hashed_url(filename: str) -> str:
    """The URL of a file under static/, with its content hash: what url_for('static', filename=…) gives."""
    return url_for("static", filename=filename)


def all_static() -> list[tuple[str, str]]:
    """Every file under static/ with its URL, e.g. ('css/app.css', '/static/css/app.3f2a9c1e.css')."""
    return [(name, hashed_url(name)) for name in _folder().names()]


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
            values["filename"] = _folder().url_name(values["filename"])

    @app.after_request
    def _pages_revalidate(response):
        # Pages are always asked for again (a service worker keeps its own copy for offline use).
        # Signed-in pages already say `private, no-store` (security_headers); this is for the rest.
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", REVALIDATE)
        return response
