"""Typographic forms folded to the letters they stand for.

PDFs set "fi", "ff", "ffi" as one ligature glyph, and their text layer keeps it: the GDPR's
reads "speciﬁc", "oﬃcer", "proﬁling". Nobody types those, so keyword search never matched
them, and the embedding model reads them as unknown pieces ("oﬃcer" is [UNK]; a GDPR
sentence and the same sentence in plain letters were 0.56 apart). Folded at load, every
passage, quote and heading says "specific", as a reader sees it.
"""

from __future__ import annotations

import unicodedata

# U+FB00-FB06 (ff, fi, fl, ffi, ffl, long st, st) and the non-breaking hyphen
PLAIN = str.maketrans({chr(c): unicodedata.normalize("NFKC", chr(c))
                       for c in range(0xFB00, 0xFB07)} | {"\u2011": "-"})


def plain_letters(text: str) -> str:
    return text.translate(PLAIN)
