"""The personal-data guard: runs before retrieval, before any model call, before logging.

It finds UK identifiers and names of people in a question. A question with any is refused
(status ``blocked``) and only its redacted form may be kept anywhere. General questions about
data-sharing rules ("can I share a prisoner's medical info with the council?") pass.

The text is normalised first (NFKC folds full-width digits and letters, zero-width characters
are dropped, accents are dropped, Cyrillic and Greek look-alikes become Latin letters, curly
apostrophes straight ones, and an identifier spelled out a character at a time is read run
together), so "Ａ１２３４ＢＣ", "A1234\u200bBC" or "A 1 2 3 4 B C" are read as "A1234BC" and
"Seán Ó Briain" as "Sean O Briain"; findings are mapped back to the text as typed.

Every pattern does bounded work: each has a bounded match width (no unbounded ``+`` or ``*``),
so the engine spends a constant amount at each position and the guard is linear in the input.
A test checks the width of every pattern; a 60 KB hostile message is checked in milliseconds.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.person_names import PAIR, SURNAME_FIRST, name_spans, without_accents

# Words that say "this is about a person in our care / someone specific".
PERSON_ROLE = (
    r"prisoner|offender|inmate|detainee|resident|person on probation|probationer|pop|"
    r"service user|client|supervisee|defendant|victim|patient|young person|child|"
    r"colleague|officer|his|her|named|called"
)
# The roles after which a name may be typed in lower case or capitals ("prisoner john smith").
ROLE_BEFORE_NAME = (
    r"prisoner|offender|inmate|detainee|person on probation|probationer|pop|service user|"
    r"client|supervisee|defendant|victim|patient|named|called"
)
TITLE = r"(?:mr|mrs|ms|miss|mx|dr|prof)\.?"
TITLE_CAPITAL = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|MR|MRS|MS|MISS|MX|DR|PROF)\.?"
# titles that are nothing else even in lower case ("mr smith"; not "miss", "ms teams")
TITLE_ANY_CASE = r"(?i:mr|mrs|mx|dr)\.?"
NAME = r"[A-Z](?:'[A-Z])?[a-z]{1,30}(?:[-'][A-Z][a-z]{1,30})?"  # "O'Brien", "Smith-Jones"
MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
# Capitalised words that start sentences or name things, never people (compared lower-cased).
NOT_NAMES = {w.lower() for w in {
    "The", "A", "An", "Can", "Could", "How", "What", "When", "Where", "Which", "Who", "Why",
    "Is", "Are", "Do", "Does", "May", "Should", "Must", "I", "We", "My", "Our", "Their",
    "Police", "Council", "Teams", "Slack", "Outlook", "Microsoft", "Copilot", "ChatGPT",
    "OFFICIAL", "NHS", "Probation", "Prison", "Court", "Home", "Office", "Ministry", "Justice",
    "Service", "Trust", "Health", "Information", "Data", "Policy", "Guide", "AI", "MFA", "IT",
    "Mental", "Social", "Housing", "Local", "Authority", "This", "That", "These", "Those",
    "If", "And", "Or", "But", "For", "With", "Without", "To", "In", "On", "About", "Please",
    "Hi", "Hello", "Thanks", "Dear", "Yes", "No", "Not", "Any", "All", "Some", "Every",
    "Word", "Excel", "Forms", "Sharepoint", "OneDrive", "Edge", "Windows", "Access",
}}
# Words that follow a role word without being a name ("prisoner transfer rules"): a name typed
# in lower case is two words that are neither these nor role words.
_COMMON_WORDS = """
a an the this that these those my our your their his her its who whom whose which what when
where why how is are was were be been being has have had do does did can could may might
must shall should will would not no and or but if so as at by for from in into of on onto to
with without about after before over under up out off all any each every some one two other
another same such only also just still already then there here now again ever never always
it he she they them him we us i me you data information info record records file files
details case cases notes report reports history address addresses name names number numbers
id ids photo photos transfer transfers release releases released licence license recall
sentence sentences risk risks assessment assessments medical health mental property visits
visit visitors calls call phone phones mail letters letter email emails money accounts
account work education escort escorts movement movements management manager managers safety
welfare rights consent complaint complaints request requests access subject sar sars privacy
personal sensitive special category categories contact contacts family families partner
partners support services service user users plan plans meeting meetings review reviews
supervision interview interviews statement statements evidence confidential social probation
prison prisons custody court courts police council councils team teams staff officer
officers groups group list lists rules rule policy policies guidance procedure procedures
process form forms own general wants want wanted asked asks said says told needs need needed
gets get got moved moves move left leaves died dies new old young adult adults female male
foreign national nationals vulnerable high low medium serious violent sexual lifer lifers
remand remanded convicted sentenced awaiting returning recalled supervised serving yesterday
today tomorrow last next week month year inside outside pathway pathways programme
programmes course courses profile profiles photograph identity identification voice video
"""
COMMON_AFTER_ROLE = frozenset(_COMMON_WORDS.split())
# words that never start or end a name typed with nothing around it
NEVER_IN_NAMES = frozenset(COMMON_AFTER_ROLE | NOT_NAMES | set(PERSON_ROLE.split("|")) | {
    "any", "some", "very", "more", "most", "much", "many", "few", "than", "too", "yes", "okay",
    "please", "thanks", "hello", "hi", "dear", "best", "kind", "regards", "cheers"})


GUARD_MARGIN = 200  # characters guarded past the question-length limit (see Assistant.ask)


@dataclass(frozen=True)
class Finding:
    kind: str  # what was found: "prison number", "NHS number", ...
    start: int
    end: int


@dataclass(frozen=True)
class GuardResult:
    findings: tuple[Finding, ...]
    redacted: str  # the question with every finding replaced by [KIND]

    @property
    def blocked(self) -> bool:
        return bool(self.findings)

    @property
    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})


# -- normalising ----------------------------------------------------------------------------
DROPPED = {ord(c) for c in "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064"
           "\ufeff\u00ad\u180e\u034f"}
LOOKALIKES = str.maketrans({
    # Cyrillic and Greek letters that look like Latin ones
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i",
    # dashes, slashes and the at sign in their other forms
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2044": "/", "\u2215": "/", "\u29f8": "/", "\uff20": "@",
    # apostrophes as phones and word processors type them ("O\u2019Brien")
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'",
})


def fold(ch: str) -> str:
    """One character as the patterns read it: NFKC (full-width forms), accents dropped
    ("Seán Ó Briain" reads "Sean O Briain"), then look-alikes as Latin letters."""
    folded = unicodedata.normalize("NFKC", ch)
    return (folded if folded.isascii() else without_accents(folded)).translate(LOOKALIKES)


# An identifier typed one character at a time ("S W 1 A 1 A A", "L S 1 - 4 A P"): at least
# this many lone letters and digits, both kinds, each up to three separators from the next
SPELLED_MIN, SPELLED_SEPARATORS = 5, " \t./-"


def spelled_out_gaps(text: str) -> set[int]:
    """Where the separators are between the characters of a spelled-out identifier."""
    def lone(i: int) -> bool:
        return (i < len(text) and text[i].isascii() and text[i].isalnum()
                and (i == 0 or not text[i - 1].isalnum())
                and (i + 1 == len(text) or not text[i + 1].isalnum()))

    gaps: set[int] = set()
    i = 0
    while i < len(text):
        if not lone(i):
            i += 1
            continue
        run, between = [i], []
        while True:
            j = run[-1] + 1
            k = j
            while k < len(text) and k - j < 3 and text[k] in SPELLED_SEPARATORS:
                k += 1
            if k == j or not lone(k):
                break
            run.append(k)
            between.extend(range(j, k))
        chars = "".join(text[r] for r in run)
        if len(run) >= SPELLED_MIN and any(c.isdigit() for c in chars) and \
                any(c.isalpha() for c in chars):
            gaps.update(between)
        i = run[-1] + 1
    return gaps


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text as the patterns read it, and where each of its characters came from (None
    when nothing changed)."""
    if text.isascii():
        gaps = spelled_out_gaps(text)
        if not gaps:
            return text, None
        kept = [i for i in range(len(text)) if i not in gaps]
        return "".join(text[i] for i in kept), kept
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) in DROPPED:
            continue
        folded = fold(ch)
        out.append(folded)
        origin.extend([i] * len(folded))
    norm = "".join(out)
    gaps = spelled_out_gaps(norm)
    if gaps:
        norm = "".join(c for i, c in enumerate(norm) if i not in gaps)
        origin = [o for i, o in enumerate(origin) if i not in gaps]
    return norm, origin


# -- checks ---------------------------------------------------------------------------------
def nhs_check_digit_ok(digits: str) -> bool:
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def plausible_birth_date(day: int, month: int, year: int, youngest: int = 10) -> bool:
    if year < 100:
        year += 1900 if year > dt.date.today().year % 100 else 2000
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return False
    age = (dt.date.today() - date).days / 365.25
    return youngest <= age <= 110  # a date that could be someone's birth date


def uk_phone_ok(digits: str) -> bool:
    """A UK number: 0 then 9 or 10 digits (from +44 / 0044 forms too), not 00 or 04/05/06."""
    if digits.startswith(("44", "0044")):
        digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
    return (digits.startswith("0") and len(digits) in (10, 11)
            and digits[1] in "12378")


# -- patterns -------------------------------------------------------------------------------
SEP = r"[ \t./\\-]?"  # one optional separator between the characters of an identifier
GAP = r"[ \t]{0,3}"
PRISON_CONTEXT = re.compile(r"\b(?:prison(?:er)?|noms|booking|inmate)\b[\s\w.#:-]{0,25}$", re.I)
PNC_CONTEXT = re.compile(r"\b(?:pnc|cro|police national computer)\b[\s\w.#:-]{0,25}$", re.I)
EMAIL_AT = (r"(?:[ \t]{0,3}@[ \t]{0,3}|[ \t]{0,3}[\[(<{][ \t]{0,2}at[ \t]{0,2}[\])>}][ \t]{0,3}|"
            r"[ \t]{1,3}at[ \t]{1,3})")
EMAIL_DOT = (r"(?:\.|[ \t]{0,3}[\[(<{][ \t]{0,2}dot[ \t]{0,2}[\])>}][ \t]{0,3}|"
             r"[ \t]{1,3}dot[ \t]{1,3})")
TLD = (r"(?:com|org|net|uk|gov|nhs|police|io|co|ac|sch|edu|info|biz|me|scot|wales|eu|ie|"
       r"mil|int|cloud|online|email|mail)")
STREET = (r"(?:street|st|road|rd|avenue|ave|lane|drive|crescent|terrace|gardens|grove|mews|"
          r"boulevard|close|place|square|parade)")
ADDRESS_WORD = (r"(?!(?:of|the|a|an|to|in|on|for|and|or|at|by|with|from|per|each|every)\b)"
                r"[A-Za-z'-]{2,25}")
DAY_WORDS = (r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
             r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
             r"nineteenth|twentieth|twenty[- ]?(?:first|second|third|fourth|fifth|sixth|"
             r"seventh|eighth|ninth)|thirtieth|thirty[- ]?first")
NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
                r"fifty|sixty|seventy|eighty|ninety|hundred|thousand|and|oh")
DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{DAY_WORDS})"
YEAR = rf"(?:\d{{4}}|'?\d{{2}}|(?:(?:{NUMBER_WORDS})[- ]?){{2,6}})"
# between a date's parts: a dash, slash or dot (spaced or not), or spaces ("12-March-1987")
DATE_SEP = r"(?:[ \t]{0,2}[-/.][ \t]{0,2}|[ \t]{1,2})"
DATE_END = r"(?![\w':]|\.\d)"  # not a longer word or number, nor a time ("3 March 10:30")

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # the left look-behind keeps the engine from restarting inside a run it has read
    ("email address",
     re.compile(r"(?<![\w.+-])[\w+-]{1,64}(?:\.[\w+-]{1,64}){0,6}@[\w-]{1,63}"
                r"(?:\.[\w-]{1,63}){1,6}\b")),
    ("email address",  # "j.smith at justice dot gov dot uk", "jsmith [at] example [dot] org"
     re.compile(rf"(?<![\w.+-])[\w+-]{{1,64}}(?:{EMAIL_DOT}[\w+-]{{1,64}}){{0,4}}{EMAIL_AT}"
                rf"[\w-]{{1,63}}(?:{EMAIL_DOT}[\w-]{{1,63}}){{0,4}}{EMAIL_DOT}{TLD}\b", re.I)),
    ("prison number", re.compile(rf"\b[A-Z]{SEP}\d{SEP}\d{SEP}\d{SEP}\d{SEP}[A-Z]{SEP}[A-Z]\b")),
    ("prison number", re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.I)),  # "a1234bc"
    ("PNC number",
     re.compile(r"\b(?:\d{2}|\d{4})[ \t]{0,2}[/\\][ \t]{0,2}\d{1,7}(?:[ \t]?[A-Z]|[a-z])\b")),
    ("PNC number", re.compile(r"\b(?:\d{2}|\d{4})/\d{1,7}[A-Z]\b", re.I)),
    ("CRO number", re.compile(r"\b\d{1,6}[ \t]{0,2}/[ \t]{0,2}\d{2}[ \t]?[A-Z]\b", re.I)),
    ("National Insurance number",
     re.compile(rf"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z]{SEP}[A-CEGHJ-NPR-TW-Z]"
                rf"{GAP}{SEP}{GAP}\d{SEP}\d{GAP}{SEP}{GAP}\d{SEP}\d{GAP}{SEP}{GAP}\d{SEP}\d"
                rf"{GAP}{SEP}{GAP}[A-D]\b", re.I)),
    ("National Insurance number",  # never-issued prefixes too ("QQ 12 34 56 C"), in capitals
     re.compile(rf"\b[A-Z]{SEP}[A-Z]{GAP}{SEP}{GAP}\d{SEP}\d{GAP}{SEP}{GAP}\d{SEP}\d{GAP}{SEP}"
                rf"{GAP}\d{SEP}\d{GAP}{SEP}{GAP}[A-D]\b")),
    ("postcode",
     re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.I)),
    ("postcode",  # outside the official letter ranges ("ZZ3 8PL"), in capitals only
     re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b")),
    ("address",  # "12 Acacia Avenue", "flat 3, 45 high street"
     re.compile(rf"\b\d{{1,4}}[A-Za-z]?,?[ \t]{{1,2}}(?:{ADDRESS_WORD}[ \t]{{1,2}}){{1,3}}"
                rf"{STREET}\b(?![ \t]{{0,2}}(?:of|to|in|the)\b)", re.I)),
]
# an nDelius case record number standing alone ("X123456"): one capital and six digits, a
# whole token (not part of a longer code: "KB1234567", "X123456-B", "ABC/X123456"), unless a
# word beside it says it is the code of a thing ("error E123456", "product ID B012345")
CRN = re.compile(r"(?<![\w/-])[A-Z]\d{6}(?![\w/-])")
THING_CODES = frozenset({
    "error", "product", "model", "part", "serial", "sku", "ticket", "version", "build",
    "invoice", "item", "catalogue", "catalog", "kb", "update", "patch", "firmware", "asset",
    "tag", "flight", "room", "barcode"})
PHONE = re.compile(r"(?<![\w/+])(?:\+[ \t]?44|0044|\(?0)(?:[ \t.()-]{0,3}\d){8,11}(?![\d/])")
NHS = re.compile(r"(?<![\d])\d(?:[ \t./-]{0,2}\d){9}(?![ \t./-]{0,2}\d)")
# 12/03/1985, 12.03.85, 12 - 03 - 1985; with spaces only or run together ("12 03 1985",
# "12031985") a date needs a birth-date word beside it (see date_findings)
DATE_NUMERIC = re.compile(r"\b(\d{1,2})([ \t]{0,2}[/.-]?[ \t]{0,2})(\d{1,2})"
                          r"([ \t]{0,2}[/.-]?[ \t]{0,2})(\d{4}|\d{2})\b")
DATE_ISO = re.compile(r"\b(\d{4})[ \t]{0,2}([-/. \t])[ \t]{0,2}(\d{1,2})[ \t]{0,2}\2[ \t]{0,2}"
                      r"(\d{1,2})\b")  # 1985-03-12, 1985/03/12, 1985 03 12
DATE_WORDS = [  # "3rd of March 1990", "12-March-1987", "3mar86", "March 3, 1990", "Mar-3-90"
    re.compile(rf"\b(?:the[ \t]{{1,2}})?({DAY})(?:[ \t]{{1,2}}of[ \t]{{1,2}}|{DATE_SEP}|"
               rf"(?<=\d)(?=[a-z]))({MONTHS})\.?,?(?:{DATE_SEP}|(?<=[a-z])(?=\d))({YEAR})"
               rf"{DATE_END}", re.I),
    re.compile(rf"\b({MONTHS})\.?(?:{DATE_SEP}|(?<=[a-z])(?=\d))(?:the[ \t]{{1,2}})?({DAY}),?"
               rf"{DATE_SEP}({YEAR}){DATE_END}", re.I),
]
DOB_WORDS = re.compile(r"\b(?:d\.?[ \t]?o\.?[ \t]?b\b\.?|date[ \t]{1,2}of[ \t]{1,2}birth|born|"
                       r"birth[ \t]?(?:day|date))", re.I)
PERSON_WORDS = re.compile(rf"\b(?:{PERSON_ROLE}|he|she|him|aged?|years?[ \t]old|yrs?[ \t]old|"
                          r"birthday)\b", re.I)
NAMED_PERSON = [
    # "prisoner John Smith", "offender Smith", "the prisoner, Tom Harris,"
    re.compile(rf"\b(?:{PERSON_ROLE}),?[ \t]{{1,3}}(?:(?i:{TITLE})[ \t]{{1,2}})?"
               rf"({NAME}(?:[ \t]{{1,2}}{NAME})?)"),
    # "John Smith, a prisoner" / "John Smith who is on probation" / "John Smith (prisoner)"
    re.compile(rf"\b({NAME}[ \t]{{1,2}}{NAME})(?:,|[ \t]{{1,2}}\(|[ \t]{{1,2}}who[ \t]{{1,2}}is|"
               rf"[ \t]{{1,2}}is)[ \t]{{1,2}}(?:a|an|the|on|in)?[ \t]{{0,2}}"
               rf"(?:{PERSON_ROLE}|probation|custody|prison)"),
    # "Mr Smith", "Mrs J Jones", "Miss Patel"
    re.compile(rf"\b{TITLE_CAPITAL}[ \t]{{1,2}}(?:[A-Z]\.?[ \t]{{1,2}})?({NAME}|[A-Z]{{2,30}})\b"),
    # "John Smith's risk assessment", "John's medical records"
    re.compile(rf"\b({NAME}(?:[ \t]{{1,2}}{NAME})?)'s[ \t]{{1,2}}(?:\w{{1,30}}[ \t]{{1,2}})?"
               r"(?:risk|medical|health|record|file|case|address|assessment|sentence|licence|"
               r"conviction|details|notes|report|sickness|history|data|information)"),
]
# "prisoner john smith", "SERVICE USER PRIYA VENKATESAN", "pop jane doe's file"
LOWER_NAME = r"[a-z](?:'[a-z]{3,30}|[a-z-]{1,30}(?:'[a-z]{2,30})?)"  # "o'brien", not "i'll"
NAME_AFTER_ROLE = re.compile(
    rf"\b(?:{ROLE_BEFORE_NAME}),?[ \t]{{1,3}}(?:{TITLE}[ \t]{{1,2}})?({LOWER_NAME})"
    rf"(?:[ \t]{{1,2}}({LOWER_NAME}))?('s\b)?", re.I)
# "mr smith", "dr patel's notes"
NAME_AFTER_TITLE = re.compile(rf"\b{TITLE_ANY_CASE}[ \t]{{1,2}}({LOWER_NAME})", re.I)
# what ends a name typed in lower case: punctuation, the end, or a word that says something
# about the person ("prisoner john smith wants...")
AFTER_NAME = re.compile(r"[ \t]{0,2}(?:[,.;:!?()\[\]]|$|'s\b|(?:who|is|was|has|had|wants|"
                        r"wanted|asked|asks|said|says|told|needs|needed|from|in|at|on|and|"
                        r"dob|born|aged?|got|gets|can|could|should|will|would|did|does)\b)",
                        re.I)
NOT_NAME_ENDINGS = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ing", "ship", "ism",
                    "ist", "ive", "ous", "ary", "ory", "ies", "als", "ers")
# Someone pasting or attaching a real person's record: blocked even without an identifier.
PASTED_RECORD = re.compile(
    r"\b(?:here\s{1,3}is|here's|here\s{1,3}are|attached\s{1,3}(?:is|are)|i(?:'ve|\s{1,3}have)"
    r"\s{1,3}(?:pasted|attached|copied)|below\s{1,3}is|pasting|this\s{1,3}is)\s{1,3}"
    r"(?:my|our|the|a|his|her|their)\s{1,3}(?:\w{1,30}\s{1,3}){0,2}?(?:colleague|prisoner|"
    r"offender|client|service\s{1,3}user|patient|person\s{1,3}on\s{1,3}probation|case|"
    r"staff\s{1,3}member|employee|manager)(?:'s)?\s{1,3}(?:\w{1,30}\s{1,3}){0,2}?(?:record|"
    r"records|notes|file|assessment|report|details|history|letter|email|data)\b",
    re.I,
)
MONTH_NUM = {m[:3]: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
DAY_NUM = {w: i for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
     "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
     "seventeenth", "eighteenth", "nineteenth", "twentieth"], 1)} | {"thirtieth": 30}
UNITS = {w: i for i, w in enumerate(
    ["oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
     "eighteen", "nineteen"])}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
# A date is about a person when one of these is this close to it.
DOB_BEFORE, DOB_AFTER, PERSON_NEAR = 60, 25, 60


def day_number(text: str) -> int | None:
    """3, 3rd, "third", "twenty-first"."""
    word = re.sub(r"[\s-]", "", text.lower())
    digits = re.match(r"\d{1,2}", word)
    if digits:
        return int(digits.group(0))
    if word in DAY_NUM:
        return DAY_NUM[word]
    for tens, base in (("twenty", 20), ("thirty", 30)):
        if word.startswith(tens) and word[len(tens):] in DAY_NUM:
            return base + DAY_NUM[word[len(tens):]]
    return None


def year_number(text: str) -> int | None:
    """1990, '90, "nineteen ninety", "nineteen eighty-five", "two thousand and five"."""
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    if text.startswith("'"):
        return int(text[1:])
    words = [w for w in re.split(r"[\s-]+", text) if w and w != "and"]
    if words[:2] == ["two", "thousand"]:
        rest = words[2:]
        return 2000 + (pair_number(rest) if rest else 0)
    if len(words) >= 2 and words[0] in UNITS and UNITS[words[0]] >= 10:
        rest = words[1:]
        if rest and rest[0] == "hundred":
            rest = rest[1:]
        return UNITS[words[0]] * 100 + (pair_number(rest) if rest else 0)
    return None


def pair_number(words: list[str]) -> int:
    total = 0
    for w in words:
        total += TENS.get(w, UNITS.get(w, 0))
    return total


def names_a_thing(text: str, start: int, end: int) -> bool:
    """A code the words beside it call a thing's: "error E123456", "E123456 error"."""
    near = text[max(0, start - 30):start].split()[-2:] + text[end:end + 20].split()[:1]
    return any(w.strip(".,:;#()'\"").lower() in THING_CODES for w in near)


def looks_like_name(word: str) -> bool:
    """A word that could be a name typed in any case: not a common word after a role or a
    title, and not shaped like an abstract noun ("confidentiality", "offending")."""
    lower = word.lower()
    return (lower not in COMMON_AFTER_ROLE and lower not in NOT_NAMES
            and not lower.endswith(NOT_NAME_ENDINGS))


def starts_within(starts: list[int], low: int, high: int) -> bool:
    """Whether one of the sorted ``starts`` is in [low, high)."""
    i = bisect.bisect_left(starts, low)
    return i < len(starts) and starts[i] < high


def date_findings(text: str) -> list[Finding]:
    """Full dates that are about a person: next to "born" / "DOB", or next to a person. A
    date about a document or a law ("the policy changed on 1 March 2018") is not personal."""
    # (start, end, day, month, year, loose): a loose shape (numbers with spaces only or run
    # together, a bare two-digit year after a space) is a date only beside a birth-date word
    dates: list[tuple[int, int, int, int, int, bool]] = []
    for m in every_match(DATE_NUMERIC, text):
        day, before_month, month, before_year, year = m.groups()
        if separator_kind(before_month) != separator_kind(before_year):
            continue  # "19/08" is a day and a month, not 1/9/08; "aged 3 12/08" no date
        if not before_month and (len(day), len(month)) != (2, 2):
            continue  # "1987" is a year, not 1/9/87; "12031987" is 12/03/1987
        loose = separator_kind(before_month) != "mark"
        dates.append((m.start(), m.end(), int(day), int(month), int(year), loose))
    for m in every_match(DATE_ISO, text):
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
        dates.append((m.start(), m.end(), day, month, year, m.group(2) in " \t"))
    for pattern, order in zip(DATE_WORDS, ((1, 2, 3), (2, 1, 3)), strict=True):
        for m in every_match(pattern, text):
            day = day_number(m.group(order[0]))
            year = year_number(m.group(order[2]))
            if day is None or year is None:
                continue
            typed = m.group(order[2])
            loose = typed.isdigit() and len(typed) == 2 and \
                text[m.start(order[2]) - 1] not in "-/."
            dates.append((m.start(), m.end(), day, MONTH_NUM[m.group(order[1])[:3].lower()], year,
                          loose))
    # where the birth-date words and the people are, read once for all the dates
    dob_at = [m.start() for m in DOB_WORDS.finditer(text)]
    person_at = [m.start() for m in PERSON_WORDS.finditer(text)]
    found = []
    for start, end, day, month, year, loose in dates:
        dob = starts_within(dob_at, start - DOB_BEFORE, end + DOB_AFTER)
        person = starts_within(person_at, start - PERSON_NEAR, end + PERSON_NEAR)
        if (dob and plausible_birth_date(day, month, year, youngest=0)) or (
                person and not loose and plausible_birth_date(day, month, year)):
            found.append(Finding("date of birth", start, end))
    return found


def separator_kind(typed: str) -> str:
    """How a date's parts are parted: by a mark ("/", " - "), by spaces, or not at all."""
    return "mark" if any(c in "/.-" for c in typed) else "space" if typed else "none"


def every_match(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The first match at each place one starts, so a shape that is not a date ("aged 40 01")
    does not hide one that starts inside it ("01/02/1986")."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        pos = m.start() + 1


def find_personal_data(text: str) -> list[Finding]:
    """Findings in ``text`` as typed (positions refer to it)."""
    norm, origin = normalise(text)
    found = find_in_normalised(norm)
    if origin is None:
        return found
    origin.append(len(text))
    return merge([Finding(f.kind, origin[f.start], origin[f.end - 1] + 1) for f in found])


def find_in_normalised(text: str) -> list[Finding]:
    found: list[Finding] = []
    for kind, pattern in PATTERNS:
        found.extend(Finding(kind, m.start(), m.end()) for m in pattern.finditer(text))
    found.extend(loose_identifiers(text))
    for m in CRN.finditer(text):
        if not names_a_thing(text, m.start(), m.end()):
            found.append(Finding("case reference", m.start(), m.end()))
    for m in PHONE.finditer(text):
        if uk_phone_ok(re.sub(r"\D", "", m.group(0))):
            found.append(Finding("phone number", m.start(), m.end()))
    for m in NHS.finditer(text):
        if nhs_check_digit_ok(re.sub(r"\D", "", m.group(0))):
            found.append(Finding("NHS number", m.start(), m.end()))
    found.extend(date_findings(text))
    for pattern in NAMED_PERSON:
        for m in pattern.finditer(text):
            words = m.group(1).split()
            if words and not any(w.lower() in NOT_NAMES for w in words):
                found.append(Finding("name", m.start(1), m.end(1)))
    found.extend(Finding("name", start, end) for start, end in name_spans(text, NEVER_IN_NAMES))
    for m in NAME_AFTER_ROLE.finditer(text):
        words = [w for w in (m.group(1), m.group(2)) if w]
        if not all(looks_like_name(w) for w in words):
            continue
        end = m.end(2) if m.group(2) else m.end(1)
        if (m.group(2) or m.group(3)) and AFTER_NAME.match(text, end):
            found.append(Finding("name", m.start(1), end))
    for m in NAME_AFTER_TITLE.finditer(text):
        if looks_like_name(m.group(1)):
            found.append(Finding("name", m.start(1), m.end(1)))
    found.extend(Finding("pasted record", m.start(), m.end())
                 for m in PASTED_RECORD.finditer(text))
    return merge(found)


# Identifiers in a looser shape, caught only after the word that introduces them
LOOSE_PRISON = re.compile(r"\b[A-Z][ \t./-]{0,3}(?:\d[ \t./-]{0,3}){4}[A-Z][ \t./-]{0,3}[A-Z]\b",
                          re.I)
LOOSE_NI = re.compile(r"\b[A-Z][ \t./-]{0,3}[A-Z](?:[ \t./-]{0,3}\d){6}[ \t./-]{0,3}[A-D]\b", re.I)
NI_CONTEXT = re.compile(r"\b(?:ni|nino|national[ \t]insurance)\b[\s\w.#:-]{0,25}$", re.I)
NHS_CONTEXT = re.compile(r"\bnhs\b[\s\w.#:-]{0,15}$", re.I)
POSTCODE_CONTEXT = re.compile(r"\b(?:post ?code|address|lives? (?:at|in)|living at|staying at)"
                              r"\b[\s\w.#:,-]{0,25}$", re.I)
LOOSE_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b", re.I)
# a person's case: "case ref PRB-2023-004512", "case no T20237788", "CRN X123456"
CASE_REF_CONTEXT = re.compile(
    r"\b(?:(?:case|crime|court|custody|booking|nomis|delius|probation)[ \t]{0,2}(?:ref(?:erence)?"
    r"(?:[ \t]{0,2}(?:no|number|num)\.?)?|no|number|num|id)\.?|crn|urn)(?:[ \t]{1,2}is)?"
    r"[ \t]{0,2}[:#]?[ \t]{0,2}$", re.I)
LOOSE_CASE_REF = re.compile(r"\b(?:[A-Z]{1,4}[/-]?)?\d[\w/-]{3,20}\b", re.I)
LOOSE_PNC = re.compile(r"\b(?:\d{2}|\d{4})[ \t./\\-]{1,3}\d{1,7}[ \t./-]{0,3}[A-Z]\b", re.I)


def is_case_reference(value: str) -> bool:
    """Four digits or more, and not a year alone ("case number 2024 guidance")."""
    return sum(c.isdigit() for c in value) >= 4 and not re.fullmatch(r"(?:19|20)\d\d", value)


def any_value(value: str) -> bool:
    return True


# (kind, shape, the label before it, a check of the value)
LOOSE: list[tuple[str, re.Pattern[str], re.Pattern[str], Callable[[str], bool]]] = [
    ("prison number", LOOSE_PRISON, PRISON_CONTEXT, any_value),
    ("PNC number", LOOSE_PNC, PNC_CONTEXT, any_value),
    ("National Insurance number", LOOSE_NI, NI_CONTEXT, any_value),
    # labelled, so any ten digits: test-range numbers fail the check digit
    ("NHS number", NHS, NHS_CONTEXT, any_value),
    ("postcode", LOOSE_POSTCODE, POSTCODE_CONTEXT, any_value),
    ("case reference", LOOSE_CASE_REF, CASE_REF_CONTEXT, is_case_reference),
]


def loose_identifiers(text: str) -> list[Finding]:
    found = []
    for kind, pattern, context, accept in LOOSE:
        for m in pattern.finditer(text):
            if context.search(text[max(0, m.start() - 40):m.start()]) and accept(m.group(0)):
                found.append(Finding(kind, m.start(), m.end()))
    return found




def merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings become one (the longest, first-found kind)."""
    findings.sort(key=lambda f: (f.start, -(f.end - f.start)))
    merged: list[Finding] = []
    for f in findings:
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Finding(last.kind, last.start, max(last.end, f.end))
        else:
            merged.append(f)
    return merged


def check(text: str) -> GuardResult:
    findings = find_personal_data(text)
    redacted = text
    for f in reversed(findings):
        redacted = redacted[:f.start] + f"[{f.kind.upper()}]" + redacted[f.end:]
    return GuardResult(tuple(findings), redacted)


# every pattern the guard runs, for the test that checks each does bounded work
ALL_PATTERNS: list[re.Pattern[str]] = [
    *(p for _, p in PATTERNS), CRN, PHONE, NHS, DATE_NUMERIC, DATE_ISO, *DATE_WORDS, DOB_WORDS,
    PERSON_WORDS, *NAMED_PERSON, NAME_AFTER_ROLE, NAME_AFTER_TITLE, AFTER_NAME, PASTED_RECORD,
    PRISON_CONTEXT, PNC_CONTEXT, NI_CONTEXT, LOOSE_PRISON, LOOSE_PNC, LOOSE_NI, NHS_CONTEXT,
    POSTCODE_CONTEXT, LOOSE_POSTCODE, CASE_REF_CONTEXT, LOOSE_CASE_REF, PAIR,
    SURNAME_FIRST,
]
