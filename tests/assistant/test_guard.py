"""The personal-data guard: every identifier type is caught; general questions pass."""

from __future__ import annotations

import pytest

from assistant.guard import check, nhs_check_digit_ok


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Can I share the file for prisoner A1234BC with the council?", "prison number"),
        ("Prisoner number A 1234 BC, can I share?", "prison number"),
        ("The PNC is 12/345678A, can I email it?", "PNC number"),
        ("PNC 2012/0012345Z came up", "PNC number"),
        ("His CRO number is 123456/12A", "CRO number"),
        ("NI number AB 12 34 56 C - can I send it?", "National Insurance number"),
        ("Her NHS number is 943 476 5919", "NHS number"),
        ("NHS 9434765919 for the referral", "NHS number"),
        ("DOB 12/03/1985, is that enough to check identity?", "date of birth"),
        ("She was born on 3 March 1990", "date of birth"),
        ("dob: 1985-03-12, can I check it?", "date of birth"),
        ("Can I text him on 07700 900123?", "phone number"),
        ("The landline is +44 20 7946 0958", "phone number"),
        ("Send it to j.smith@example.org please", "email address"),
        ("He lives at LS1 4AP", "postcode"),
        ("Can I tell the council that prisoner John Smith is being released?", "name"),
        ("Jane Doe, a person on probation, asked for her file", "name"),
        ("The prisoner, Tom Harris, wants his file", "name"),
        ("Is Mr Patel allowed visits?", "name"),
        ("Can I email Sarah Jones's risk assessment to the council?", "name"),
        ("Here is my colleague's sickness record, is this personal data?", "pasted record"),
        # test data's never-issued prefixes are still someone's number in the form
        ("TN 44 71 02 B is on the form, ok to scan it?", "National Insurance number"),
        # a labelled test-range NHS number fails the check digit but is still one
        ("nhs number 999 111 2222 - gp is asking", "NHS number"),
        ("post code zz9 4qt, can i put it on the referral", "postcode"),
        ("case no 2024/00917 - can the victim's family have the outcome?", "case reference"),
        ("CRN: B604112 - do i attach it to the email", "case reference"),
        # names with nothing before them to say so
        ("Olumide Adeyemi told me he is using again, can i tell his GP?", "name"),
        ("can i pass on that joanna kowalski has moved in with her partner", "name"),
        ("hamish macleod's risk level went up, who needs to know", "name"),
        ("NGUYEN, Thi - is she entitled to see her file?", "name"),
    ],
)
def test_identifiers_blocked_and_redacted(question, kind):
    result = check(question)
    assert result.blocked and kind in result.kinds
    for f in result.findings:
        assert question[f.start:f.end] not in result.redacted
    assert f"[{kind.upper()}]" in result.redacted


@pytest.mark.parametrize(
    "question",
    [
        "Can I share a prisoner's medical info with the council?",
        "Can I email a risk assessment to the council?",
        "How do I reset my MFA?",
        "Can I put OFFICIAL data into ChatGPT?",
        "And OFFICIAL-SENSITIVE?",
        "Is Microsoft Teams approved for OFFICIAL-SENSITIVE information?",
        "What does the Data Sharing Policy say about the police?",
        "Can I share data collected between 2019 and 2024?",
        "Does the ISA with Riverside Community Health Trust cover diagnosis?",
        "What is ISO 27001 and do we need it?",
        "Who do I call on extension 4000?",
        "What counts as personal data?",
        "Can a person on probation see their own records?",
        "Section 3.2 of the policy says what about councils?",
        "Do I need a DPIA to use AI?",
        "What is the deadline, 72 hours?",
        "What changed in the 1998-05-01 version of the policy?",
        "Can a prisoner, in general, see the policy?",
        "Can the prisoner, Probation Service and council all see it?",
        "What happened in 2024 by law?",
        # words that are also names, and places and bodies named like people
        "is there a grace period for returning the laptop?",
        "does the mark scheme for the course count as personal data?",
        "who runs the West Midlands Anti-Slavery Network?",
        "is kali linux allowed on a work laptop?",
        "Can Early Years settings share with the MASH?",
        "case no. 5 in the toolkit - what happened next?",
    ],
)
def test_general_questions_pass(question):
    result = check(question)
    assert not result.blocked, result.kinds
    assert result.redacted == question


def test_nhs_check_digit():
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    assert not check("Reference 123 456 7890 on the form").blocked  # fails the check digit
