"""Response headers that tell browsers what this site's pages may do."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from patrol.views.templating import is_htmx

# Only our own files run or style a page: no inline script, handler, style or eval, so text that
# slipped through unescaped still cannot run. htmx is configured to match (base.html's htmx-config).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # data:/blob: for images a page builds itself (none does yet)
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    )
)
# The camera is for taking photos of findings on this site's own pages; nothing else is needed.
PERMISSIONS_POLICY = ", ".join(
    (
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
    )
)
# A year, for this host only: the site may share a domain with others we know nothing about.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


# Our own scripts and stylesheets (static/, htmx among them): never shown as a document or run as a worker (a
# browser opening one shows plain text), so the document-only headers would only add ~390 bytes to each
# on a weak signal. nosniff stays: it is what makes a browser refuse them as anything else.
FILES_NOT_DOCUMENTS = ({"static"}, {"text/javascript", "text/css"})


# What may never be a page of its own with scripts: our static images (an SVG opened directly) and the
# fragments htmx swaps into a page (the page's own policy governs them there; opened directly, without
# the HX-Request header, the same URL gets the full set — Vary: HX-Request keeps caches apart). They may
# load and run nothing, which is stricter than a page's policy and a few hundred bytes lighter.
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _is_document_like(response) -> bool:
    endpoints, mimetypes = FILES_NOT_DOCUMENTS
    return not (request.endpoint in endpoints and response.mimetype in mimetypes)


def _runs_nothing(response) -> bool:
    static_image = request.endpoint == "static" and response.mimetype == "image/svg+xml"
    return static_image or is_htmx()


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if _runs_nothing(response):
            headers.setdefault("Content-Security-Policy", NOTHING_POLICY)
        elif _is_document_like(response):
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
            # Scan URLs carry a location's token: they must not leak to another site in a Referer.
            headers.setdefault("Referrer-Policy", "same-origin")
            headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for browsers that predate it
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if response.mimetype == "text/html":
            # One URL answers a whole page or just a fragment for htmx: caches must tell them apart.
            response.vary.add("HX-Request")
        if current_user and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
