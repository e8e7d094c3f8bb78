from __future__ import annotations

import segno

from hromada.people.models import Card


def qr_svg(card: Card) -> str:
    """The card's QR code as inline SVG: the bare code, which the scanner types back."""
    qr = segno.make(card.code, error="m", micro=False)
    return str(qr.svg_inline(scale=4, border=2, omitsize=True))
