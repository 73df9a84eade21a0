"""Text as the prohibited-word filter compares it: full-width forms to half-width (NFKC),
lower case, and spaces, punctuation and symbols dropped, so 「赌 博」, 「赌-博」 and
「ＶＸ」 match the listed 赌博 and vx."""

import unicodedata


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")
