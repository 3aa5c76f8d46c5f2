"""Person names in one comparable form, for search and sorting.

"José  O'Brien-Núñez" and "jose obrien nunez" must find the same record, whatever the
keyboard, the case or the accents typed. The form is: Unicode compatibility decomposition
(NFKD, Unicode Standard Annex #15) with the combining marks dropped, full case folding
(Unicode Standard section 3.13, `str.casefold`: "ß" -> "ss"), apostrophes removed (so
"O'Brien" and "OBrien" compare equal), every other run of punctuation or space made one
space; letters of other scripts are kept, case-folded. Letters NFKD does not decompose (ø, ł, đ, æ, œ, þ, ð, dotless i) get their usual Latin
transliteration. A patient's key is "last first preferred", so a prefix of the last name,
or of "last first", is a prefix of the key.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = "'\u2019\u2018\u02bc\u0060\u00b4"
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "\u0131": "i"}
)
_APOSTROPHE_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_SEPARATORS_RE = re.compile(r"[\W_]+")  # letters and digits of any script stay

SEARCH_NAME_MAX = 320


def normalize_name(text: str) -> str:
    """The comparable form of a name or of what was typed to find one (see the module)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold().translate(_LETTERS)
    folded = unicodedata.normalize("NFKD", folded)  # casefold can yield new decomposables
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = _APOSTROPHE_RE.sub("", folded)
    return _SEPARATORS_RE.sub(" ", folded).strip()


def search_key(last_name: str, first_name: str, preferred_name: str = "") -> str:
    """The stored key of a person: "last first preferred", normalized, at most
    ``SEARCH_NAME_MAX`` characters."""
    parts = (normalize_name(last_name), normalize_name(first_name), normalize_name(preferred_name))
    return " ".join(p for p in parts if p)[:SEARCH_NAME_MAX]


def prefix_forms(typed: str) -> list[str]:
    """The key prefixes that a typed name may be: as typed ("smith jo" is last then first)
    and its rotations, so that a name typed in first-last order matches too ("john smith"
    is the key "smith john"; "jose obrien nunez" the key "obrien nunez jose"). Up to
    ``MAX_ROTATED`` words are rotated; beyond, only the last word is moved first. Empty when
    nothing searchable was typed."""
    words = normalize_name(typed).split()
    if not words:
        return []
    if len(words) > MAX_ROTATED:
        return [" ".join(words), " ".join([words[-1], *words[:-1]])]
    return [" ".join(words[-k:] + words[:-k]) for k in range(len(words))]


MAX_ROTATED = 4
