"""People's names typed with nothing around them to say so: "siobhan mcallister disclosed...",
"Fatima Begum - DA victim", "SMITH, John", "o'connor, siobhan", "Aoife Ní Bhriain". The
guard's own patterns need a role word or a title before a name ("prisoner John Smith",
"Mr Patel"); these need name lists instead.

Given names and surnames come from Faker's person providers (86 locales, drawn from census
and registry lists), which tell a name from a word; the English dictionary (english-words'
web2 list) tells which names are also words ("grace", "will", "mark", "lee"). Two words are
taken for a name when the first is a given name, the second a surname (or, capitalised, a
word no dictionary has), and not both are ordinary words ("grace period", "will power").
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

WORD = (r"[A-Za-z][a-z]{1,30}(?:[-'][A-Za-z][a-z]{1,30})?|[A-Z]{2,30}(?:[-'][A-Z]{2,30})?|"
        r"[A-Za-z]'(?:[A-Za-z][a-z]{2,30}|[A-Z]{3,30})")  # "O'Brien", "d'souza"; not "I'll"
SCOTTISH = r"Ma?c[A-Z][a-z]{1,30}"  # "McAllister", "MacDonald"
# an Irish surname: a particle, then the name ("Ó Briain", "Ní Bhriain", "Mac Giolla", with
# the accents the guard drops before reading; "Ó hAodha")
IRISH_PARTICLES = {"o": "o", "ua": "o", "ni": "o", "ui": "o", "mac": "mac", "nic": "mac",
                   "mhic": "mac"}  # each, and the particle its surname is listed under
IRISH = r"(?i:o|ua|ni|ui|mac|nic|mhic)[ \t][a-z]?[A-Za-z][a-z]{1,30}"
CLAN = ("mc", "mac")  # a surname however typed: "mcallister", "macdonald"
# "fatima begum", "Siobhan McAllister", "LEE CHEN's": two words in a row (each word with the
# next, so "is it true taylor swift" is read as "true taylor" and "taylor swift")
PAIR = re.compile(rf"(?<![\w-])(?<!\w')({WORD}|{SCOTTISH})[ \t]{{1,2}}"
                  rf"(?=({IRISH}|{WORD}|{SCOTTISH})(?:'s)?(?![\w-]))")
# "SMITH, John", "Okafor, Grace": surname first, as records list people (not a list of
# places: "Kent, Essex and Surrey")
SURNAME_FIRST = re.compile(r"(?<![\w'-])([A-Za-z][A-Za-z'-]{1,30}),[ \t]{1,2}"
                           r"([A-Za-z][a-z]{1,30})(?![\w-])(?![ \t]{0,2}(?:,|and\b|or\b|&))")
# "HMP Long Lartin", "Milton Keynes Council", "Victoria Street": places and bodies
BEFORE_PLACE = re.compile(r"\b(?:HMP|HMYOI|HMPYOI|YOI|IRC|HMIP|Lord|Lady|Sir|Dame|Mount|Saint|"
                          r"St)\.?[ \t]{1,2}$")
PLACE_WORDS = frozenset({
    "council", "street", "road", "lane", "avenue", "hall", "house", "court", "centre", "center",
    "trust", "foundation", "group", "ltd", "llp", "limited", "plc", "station", "hospital",
    "school", "college", "university", "prison", "partnership", "network", "police",
    "constabulary", "borough", "county", "city", "institute", "park", "square", "place",
    "bridge", "gardens", "estate", "way", "close", "drive", "crescent", "terrace", "green",
    "services", "service", "associates", "solicitors", "chambers", "library", "museum"})
MIN_LENGTH = 3  # "al", "ed", "jo": too many words and abbreviations are this short
# words that begin names of places and bodies ("West Midlands", "New Forest", "Early Years"),
# and ones that begin other phrases ("is it true taylor swift...")
NOT_GIVEN = frozenset({
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "new", "old",
    "great", "greater", "upper", "lower", "central", "early", "saint", "port", "fort", "mount",
    "lake", "royal", "true", "real"})


@dataclass(frozen=True)
class NameLists:
    given: frozenset[str]
    surnames: frozenset[str]
    words: frozenset[str]  # lower-case dictionary words


@cache
def name_lists() -> NameLists:
    import faker.providers.person as person
    from english_words import get_english_words_set

    given: set[str] = set()
    surnames: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{module.name}"),
                           "Provider", None)
        if provider is None:
            continue
        for attr, names in vars(provider).items():  # first_names_female, male_last_names...
            into = given if attr.startswith("first_name") else \
                surnames if attr.startswith("last_name") or attr.endswith("last_names") else None
            if into is not None and isinstance(names, (dict, tuple, list)):
                into.update(listed_name(n) for n in names
                            if isinstance(n, str) and len(n) >= MIN_LENGTH and (
                                n.isascii() or particle_surname(n)))
    words = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
    return NameLists(frozenset(given), frozenset(surnames), frozenset(words))


def name_spans(text: str, not_names: frozenset[str]) -> list[tuple[int, int]]:
    """Where ``text`` has a person's full name; ``not_names``: lower-case words that never
    start or end one here (stop words, the guard's role and record words)."""
    lists = name_lists()
    spans = []
    for m in PAIR.finditer(text):
        first, last = m.group(1), m.group(2)  # the second is read ahead, so pairs overlap
        if names_a_place(text, m.start(1), m.end(2)):
            continue
        if is_full_name(first, last, lists, not_names):
            spans.append((m.start(1), m.end(2)))
    for m in SURNAME_FIRST.finditer(text):  # "SMITH, John", "smith, john", "O'Connor, Siobhan"
        last, first = m.group(1), m.group(2)
        surname = last.lower()
        if last[0].islower() and first[0].islower() and is_word(first.lower(), lists.words):
            continue  # in lower case a list of words ("the repo, run the tests")
        if first.lower() in lists.given and (surname in lists.surnames or
                                            surname_shaped(surname, lists.words)) and \
                is_full_name(first, last, lists, not_names):
            spans.append((m.start(1), m.end(2)))
    return spans


def particle_surname(name: str) -> bool:
    """"Ó Briain", "Mac Aodha": kept though accented, read as the guard reads them ("o
    briain"). Other accented names are left out: folded, thousands of them would be English
    words or brands ("Metró", "Bús")."""
    words = listed_name(name).split()
    return len(words) == 2 and words[0] in IRISH_PARTICLES and listed_name(name).isascii()


def listed_name(name: str) -> str:
    return without_accents(name).lower()


def without_accents(text: str) -> str:
    """"Seán Ó Briain" as "Sean O Briain"; letters with no plain form are kept ("ł")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def surname_shaped(surname: str, words: frozenset[str]) -> bool:
    """Shaped as only surnames are, however typed: a clan prefix ("mcallister") or an elided
    particle before a word no dictionary has ("o'brien", "d'souza"; not "o'clock")."""
    elided = surname[1:2] == "'" and len(surname) > 4 and not is_word(surname[2:], words)
    return surname.startswith(CLAN) or elided


def irish_surname(name: str, lists: NameLists) -> bool:
    """A particle and a name: "Ó Briain", "Ní Bhriain" (a woman's form, listed as "Ó Briain":
    after Ní, Uí, Nic and Mhic the name's first consonant takes an h), "Mac Giolla"."""
    particle, stem = name.split()
    base, plain = IRISH_PARTICLES[particle.lower()], stem.lower()
    forms = {plain}
    if plain[1:2] == "h" and plain[0] in "bcdfgmpst":
        forms.add(plain[0] + plain[2:])
    if any(f"{base} {form}" in lists.surnames for form in forms):
        return True
    # a name the lists lack, capitalised as names are and not a word ("Ó Dubhghaill")
    capitalised = stem[0].isupper() or (stem[0].islower() and stem[1:2].isupper())
    return capitalised and not stem.isupper() and not is_word(plain, lists.words)


def names_a_place(text: str, start: int, end: int) -> bool:
    """A prison, a street, a council or a firm: "HMP Long Lartin", "Milton Keynes Council"."""
    after = re.match(r"(?:'s)?[ \t]{1,2}([A-Za-z]{2,20})", text[end:end + 24])
    last = text[start:end].split()[-1].lower()
    return bool(BEFORE_PLACE.search(text[max(0, start - 8):start])) or last in PLACE_WORDS or (
        after is not None and after.group(1).lower() in PLACE_WORDS)


def is_full_name(first: str, last: str, lists: NameLists, not_names: frozenset[str]) -> bool:
    a, b = first.lower(), last.lower()
    if a in not_names or b in not_names or a in NOT_GIVEN or len(b) < MIN_LENGTH:
        return False
    capitalised = first[0].isupper() and last[0].isupper() and not (
        first.isupper() or last.isupper())
    if len(last.split()) == 2:  # "Seán Ó Briain", "Aoife Ní Bhriain"
        return (a in lists.given or (first[0].isupper() and not is_word(a, lists.words))) and \
            irish_surname(last, lists)
    b_is_word = is_word(b, lists.words)
    if a not in lists.given:  # "Olumide Adeyemi": a given name the lists lack, capitalised
        return capitalised and b in lists.surnames and not b_is_word and \
            not is_word(a, lists.words)
    if a in lists.words:  # "grace period", "will power", "Major Cyber", "Arch Linux"
        return (b in lists.surnames or (b[1:2] == "'" and surname_shaped(b, lists.words))) \
            and not b_is_word
    # a capitalised word no dictionary has is a surname ("McAllister"); typed in lower case
    # or capitals it may be a product or an abbreviation ("kali linux"), so it must be known
    # or shaped as only surnames are ("macdonald", "d'souza")
    return b in lists.surnames or (not b_is_word and (
        capitalised or surname_shaped(b, lists.words)))


def is_word(word: str, words: frozenset[str]) -> bool:
    """A dictionary word or an inflection of one ("years", "offences", "closed", "closing")."""
    stems = {word, word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith(
        ("es", "ed")) else "", word[:-1] if word.endswith("ed") else "",
        word[:-3] if word.endswith("ing") else "", word[:-3] + "e" if word.endswith("ing") else "",
        word[:-3] + "y" if word.endswith("ies") else ""}
    return any(s in words for s in stems if s)
