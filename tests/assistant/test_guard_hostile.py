"""The guard on a hostile or unlucky day (issue 14, defects 1, 7 and 8): bounded work on any
input, identifiers typed in other shapes, and dates that are about a person, not a document."""

from __future__ import annotations

import re._constants as sre_constants
import re._parser as sre_parse
import subprocess
import sys
import textwrap

import pytest

from assistant import core
from assistant.core import Assistant
from assistant.guard import ALL_PATTERNS, GUARD_MARGIN, check
from tests.conftest import ROOT

REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


def unbounded_repeats(tree) -> list[str]:
    """Every ``+``, ``*`` or ``{n,}`` in a parsed pattern, lookarounds included."""
    found = []
    for op, arg in tree:
        if op in REPEATS:
            low, high, sub = arg
            if high == sre_constants.MAXREPEAT:
                found.append(f"{op} {{{low},}}")
            found += unbounded_repeats(sub)
        elif op in (sre_constants.SUBPATTERN,):
            found += unbounded_repeats(arg[-1])
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found += unbounded_repeats(arg[1])
        elif op == sre_constants.BRANCH:
            for branch in arg[1]:
                found += unbounded_repeats(branch)
        elif op == sre_constants.GROUPREF_EXISTS:
            for branch in arg[1:]:
                if branch is not None:
                    found += unbounded_repeats(branch)
        elif op == sre_constants.ATOMIC_GROUP:
            found += unbounded_repeats(arg)
    return found


@pytest.mark.parametrize("pattern", ALL_PATTERNS, ids=lambda p: p.pattern[:40])
def test_every_pattern_does_bounded_work_at_each_position(pattern):
    """No unbounded repeat anywhere, so no match attempt reads past a fixed width: the work
    per position is a constant and the guard's time is linear in the message's length."""
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    assert unbounded_repeats(tree) == []
    assert tree.getwidth()[1] <= 1000


HOSTILE = [("a.", 30_000), ("a-", 30_000), ("_.", 30_000), ("a+", 30_000), ("a dot ", 10_000),
           ("a at ", 12_000), ("1 ", 30_000), ("Mr ", 20_000), ("prisoner ", 6_700),
           # the spelled-out reading, dates tried at every place, CRNs, Irish particles
           ("S 1 ", 15_000), ("11 ", 20_000), ("X123456 ", 7_500), ("3-mar-86 ", 6_000),
           ("o'a ", 15_000), ("Sean O ", 8_000), ("smith, ", 8_000)]


def test_hostile_60kb_messages_are_checked_without_stalling():
    """The old e-mail pattern read each run of "a." again from every position in it: one
    60 KB message took ~30 s here, and these nine take minutes. Run apart with a generous
    time limit (work, not speed, is what this bounds); the guard needs well under a second
    for each."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from assistant.guard import check
        for unit, times in {HOSTILE!r}:
            text = unit * times
            assert len(text) >= 54_000
            check(text)
        print("checked", {len(HOSTILE)})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"checked {len(HOSTILE)}"


@pytest.fixture
def assistant(settings, kb) -> Assistant:
    return Assistant(settings, kb)


def test_length_limit_comes_before_the_guard(assistant, monkeypatch):
    seen: list[int] = []
    real = core.check
    monkeypatch.setattr(core, "check", lambda text: seen.append(len(text)) or real(text))
    limit = assistant.settings.max_question_chars
    answer = assistant.ask("a." * 30_000)
    assert answer.status == "need_more_detail"
    assert max(seen) <= limit + GUARD_MARGIN
    assert len(answer.question) <= limit + 1
    # an identifier in the part the guard reads still blocks, even across the limit
    near_limit = "x" * (limit - 3) + " A1234BC " + "a." * 30_000
    blocked = assistant.ask(near_limit)
    assert blocked.status == "blocked" and "A1234BC" not in blocked.question
    # history turns are read the same way
    seen.clear()
    assistant.ask("And OFFICIAL-SENSITIVE?", history=["a." * 30_000])
    assert max(seen) <= limit + GUARD_MARGIN


@pytest.mark.parametrize(("question", "kind"), [
    # case, spacing and separators
    ("can i share the file for prisoner a1234bc", "prison number"),
    ("prison no A-1234-BC, can he move?", "prison number"),
    ("prisoner number a 1234 bc please", "prison number"),
    ("his NI is qq123456c", "National Insurance number"),
    ("ni number QQ-12-34-56-C", "National Insurance number"),
    ("national insurance ab.12.34.56.c", "National Insurance number"),
    ("nhs no 943-476-5919", "NHS number"),
    ("nhs 943.476.5919 for the referral", "NHS number"),
    ("PNC 12 345678A", "PNC number"),
    ("pnc no. 2012/0012345z", "PNC number"),
    ("pnc 12-345678 a came up", "PNC number"),
    ("call him on 07700-900-123", "phone number"),
    ("ring 07700.900.123", "phone number"),
    ("0044 7700 900123 is her mobile", "phone number"),
    ("his number is (07700) 900123", "phone number"),
    # Unicode look-alikes
    ("ＡＢ１２３４５６Ｃ is his NI", "National Insurance number"),
    ("A1234\u200bBC needs a move", "prison number"),
    ("\u0410\u0031\u0032\u0033\u0034\u0412\u0421 transfer", "prison number"),  # Cyrillic А, В, С
    ("call ０７７００ ９００１２３", "phone number"),
    ("j.smith＠example.org", "email address"),
    # written-out dates of birth
    ("dob is third of march nineteen ninety", "date of birth"),
    ("born on the 3rd of March 1990", "date of birth"),
    ("date of birth March 3, 1990", "date of birth"),
    ("d.o.b 12th march '85, can i check it", "date of birth"),
    ("she was born twenty-first june two thousand and five", "date of birth"),
    # street addresses without a postcode
    ("he lives at 14 elm grove", "address"),
    ("address is flat 3, 45 high street", "address"),
    ("can i write to 221b Baker Street", "address"),
    # names in lower case or capitals after role words, or with titles
    ("prisoner john smith wants his file", "name"),
    ("PRISONER JOHN SMITH", "name"),
    ("service user priya venkatesan asked for a copy", "name"),
    ("pop jane doe's risk assessment", "name"),
    ("victim sarah brown, can i tell her", "name"),
    ("inmate tom harris is asking", "name"),
    ("person on probation mark evans wants it", "name"),
    ("client ANNA KOWALSKA needs it", "name"),
    ("mr smith wants visits", "name"),
    ("MRS JONES called", "name"),
    ("dr. patel sent it", "name"),
    ("Miss SMITH asked", "name"),
    # e-mail addresses written with "at" and "dot"
    ("email j.smith at example dot org", "email address"),
    ("jsmith [at] justice [dot] gov [dot] uk", "email address"),
    ("j dot smith at gmail dot com", "email address"),
    ("jsmith(at)probation(dot)gov(dot)uk", "email address"),
])
def test_variants_of_identifiers_are_blocked(question, kind):
    result = check(question)
    assert kind in result.kinds, result.kinds
    assert "[" + kind.upper() + "]" in result.redacted


@pytest.mark.parametrize("question", [
    "can a prisoner see their records",
    "prisoner release dates policy",
    "client confidentiality rules",
    "victim impact statement guidance",
    "offender behaviour programmes for young people",
    "can I use ms teams for this",
    "what if they miss appointments",
    "the office is a 5 minute walk from the station",
    "section 3 of the road safety act",
    "is there a 2024 to 2025 plan",
    "between 2019-2024 a new rule came in",
    "defendant legal aid eligibility",
    "q1 2nd quarter figures",
    "meet at 10 am or call 999 in an emergency",
    "what happens if a service user misses supervision",
])
def test_general_questions_still_pass(question):
    assert not check(question).blocked, check(question).kinds


@pytest.mark.parametrize("question", [
    "the policy changed on 1 March 2018, what changed?",
    "what changed on 12/03/2016 in the guidance",
    "the Data Protection Act 2018 came into force on 25 May 2018",
    "is the 3rd of March 1998 version still in force?",
    "the retention schedule was updated on 14 February 2001",
    "Which rules applied from 01/04/1999 to 31/03/2005?",
])
def test_a_date_about_a_document_or_law_passes(question):
    assert not check(question).blocked, check(question).kinds


@pytest.mark.parametrize("question", [
    "he was born on 3 March 1990, can I share it",
    "the prisoner was released on 3 March 2015, can he appeal",
    "DOB 12/03/1985",
    "his dob is 1985/03/12",
    "her date of birth is the fourth of july 1979",
    "the victim, aged 40, 01/02/1986",
])
def test_a_date_about_a_person_is_blocked(question):
    assert "date of birth" in check(question).kinds
