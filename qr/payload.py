"""What a sticker's QR code holds: the stable scan URL of its location."""


def scan_url(base_url: str, token: str) -> str:
    """`<public base URL>/c/<token>` — printed stickers depend on this shape never changing."""
    return f"{base_url.rstrip('/')}/c/{token}"
