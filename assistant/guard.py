"""The personal-data guard: runs before retrieval, before any model call, before logging.

It finds UK identifiers and names of people in a question. A question with any is refused
(status ``blocked``) and only its redacted form may be kept anywhere. General questions about
data-sharing rules ("can I share a prisoner's medical info with the council?") pass.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# Words that say "this is about a person in our care / someone specific".
PERSON_ROLE = (
    r"prisoner|offender|inmate|detainee|resident|person on probation|probationer|"
    r"service user|client|supervisee|defendant|victim|patient|young person|child|"
    r"colleague|officer|his|her|named|called"
)
TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
# Capitalised words that start sentences or name things, never people.
NOT_NAMES = {
    "The", "A", "An", "Can", "Could", "How", "What", "When", "Where", "Which", "Who", "Why",
    "Is", "Are", "Do", "Does", "May", "Should", "Must", "I", "We", "My", "Our", "Their",
    "Police", "Council", "Teams", "Slack", "Outlook", "Microsoft", "Copilot", "ChatGPT",
    "OFFICIAL", "NHS", "Probation", "Prison", "Court", "Home", "Office", "Ministry", "Justice",
    "Service", "Trust", "Health", "Information", "Data", "Policy", "Guide", "AI", "MFA", "IT",
    "Mental", "Social", "Housing", "Local", "Authority", "This", "That", "These", "Those",
    "If", "And", "Or", "But", "For", "With", "Without", "To", "In", "On", "About", "Please",
    "Hi", "Hello", "Thanks", "Dear", "Yes", "No", "Not", "Any", "All", "Some", "Every",
}


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


def nhs_check_digit_ok(digits: str) -> bool:
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def plausible_birth_date(day: int, month: int, year: int) -> bool:
    if year < 100:
        year += 1900 if year > dt.date.today().year % 100 else 2000
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return False
    age = (dt.date.today() - date).days / 365.25
    return 10 <= age <= 110  # a date that could be someone's birth date


PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("prison number", re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.I)),
    ("prison number", re.compile(r"\b[A-Z] \d{4} [A-Z]{2}\b")),  # typed with spaces
    ("PNC number", re.compile(r"\b(?:\d{2}|\d{4})/\d{1,7}[A-Z]\b", re.I)),
    ("CRO number", re.compile(r"\b\d{1,6}/\d{2}[A-Z]\b", re.I)),
    ("National Insurance number",
     re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
                r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)),
    ("phone number",
     re.compile(r"(?<![\w/])(?:\+44\s?\(?0?\)?\s?|0)(?:7\d{3}|[1-3]\d{1,4})[\s-]?\d{3,4}"
                r"[\s-]?\d{3,4}(?![\w/])")),
    ("postcode",
     re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.I)),
]
NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
DATE_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")
DATE_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")  # a birth date only beside "DOB"...
DATE_WORDS = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})\.?,?\s+(\d{{4}})\b", re.I)
DOB_WORDS = re.compile(r"\b(?:d\.?o\.?b|date of birth|born|birthday|aged?)\b", re.I)
NAMED_PERSON = [
    # "prisoner John Smith", "offender Smith", "the prisoner, Tom Harris,"
    re.compile(rf"\b(?:{PERSON_ROLE}),?\s+(?:{TITLE}\s+)?({NAME}(?:\s+{NAME})?)"),
    # "John Smith, a prisoner" / "John Smith who is on probation" / "John Smith (prisoner)"
    re.compile(rf"\b({NAME}\s+{NAME})(?:,|\s+\(|\s+who\s+is|\s+is)\s+(?:a|an|the|on|in)?\s*"
               rf"(?:{PERSON_ROLE}|probation|custody|prison)"),
    # "Mr Smith", "Mrs J Jones"
    re.compile(rf"\b{TITLE}\s+(?:[A-Z]\.?\s+)?({NAME})"),
    # "John Smith's risk assessment", "John's medical records"
    re.compile(rf"\b({NAME}(?:\s+{NAME})?)'s\s+(?:\w+\s+)?(?:risk|medical|health|record|"
               r"file|case|address|assessment|sentence|licence|conviction|details|notes|"
               r"report|sickness|history|data|information)"),
]
# Someone pasting or attaching a real person's record: blocked even without an identifier.
PASTED_RECORD = re.compile(
    r"\b(?:here\s+is|here's|here\s+are|attached\s+(?:is|are)|i(?:'ve|\s+have)\s+"
    r"(?:pasted|attached|copied)|below\s+is|pasting|this\s+is)\s+(?:my|our|the|a|his|her|their)"
    r"\s+(?:\w+\s+){0,2}?(?:colleague|prisoner|offender|client|service\s+user|patient|"
    r"person\s+on\s+probation|case|staff\s+member|employee|manager)(?:'s)?\s+"
    r"(?:\w+\s+){0,2}?(?:record|records|notes|file|assessment|report|details|history|"
    r"letter|email|data)\b",
    re.I,
)
MONTH_NUM = {m[:3]: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def find_personal_data(text: str) -> list[Finding]:
    found: list[Finding] = []
    for kind, pattern in PATTERNS:
        found.extend(Finding(kind, m.start(), m.end()) for m in pattern.finditer(text))
    for m in NHS.finditer(text):
        if nhs_check_digit_ok("".join(m.groups())):
            found.append(Finding("NHS number", m.start(), m.end()))
    dob_context = bool(DOB_WORDS.search(text))
    for m in DATE_NUMERIC.finditer(text):
        day, month, year = (int(g) for g in m.groups())
        if (dob_context or len(m.group(3)) == 4) and plausible_birth_date(day, month, year):
            found.append(Finding("date of birth", m.start(), m.end()))
    for m in DATE_ISO.finditer(text):  # ...as documents are dated this way too
        year, month, day = (int(g) for g in m.groups())
        if dob_context and plausible_birth_date(day, month, year):
            found.append(Finding("date of birth", m.start(), m.end()))
    for m in DATE_WORDS.finditer(text):
        day, month, year = int(m.group(1)), MONTH_NUM[m.group(2)[:3].lower()], int(m.group(3))
        if plausible_birth_date(day, month, year):
            found.append(Finding("date of birth", m.start(), m.end()))
    for pattern in NAMED_PERSON:
        for m in pattern.finditer(text):
            words = m.group(1).split()
            if words and not any(w in NOT_NAMES for w in words):
                found.append(Finding("name", m.start(1), m.end(1)))
    found.extend(Finding("pasted record", m.start(), m.end())
                 for m in PASTED_RECORD.finditer(text))
    return merge(found)


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
