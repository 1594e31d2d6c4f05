"""Messages that are for a person: asking for one, or for a judgement about one's own case."""

from __future__ import annotations

import pytest

from assistant.for_a_person import wants_a_person


@pytest.mark.parametrize("text", [
    "could i talk to a real human about this",
    "is there anybody in the records team i could speak with",
    "can you get someone to ring me back about my access",
    "human pls",
    "i'd like to speak to someone about a concern",
    "will i be sacked for leaving my laptop on the train?",
    "am i likely to be disciplined for sending it to the wrong team",
    "i'm facing a misconduct hearing over a data breach, what should i say",
    "i've been bullied by my supervisor, should i take it to an employment tribunal",
    "they gave me a final warning - do i have grounds to challenge it?",
    "my grievance was rejected, do i stand a chance on appeal",
    "please could somebody from the records team ring me this afternoon",
    "connect me to your IG people",
    "can you set up a call with someone from the cyber team",
    "i was moved off the wing after my complaint, was that fair?",
    "would my grievance be upheld if i raised it now",
    "my manager says i'm losing my job over it, is that lawful in my situation?",
    "i clicked a phishing link last week, am i actually going to be disciplined?",
    "got a first written warning over the shift swap, could it be overturned if i challenged it",
    "i'm facing a formal capability process, what are my chances",
    "think i've been underpaid on overtime for months, how much am i due",
    "the hostel is threatening to sue me over the referral i made",
])
def test_a_request_for_a_person_or_a_judgement_on_ones_own_case(text):
    assert wants_a_person(text)


@pytest.mark.parametrize("text", [
    "can i speak to the police about a victim without consent?",
    "do i need to speak to the DPO before sharing?",
    "could we be fined for a data breach under gdpr?",
    "what is our grievance procedure for prisoners",
    "do we need to take it to court to get a risk order?",
    "the victim was told not to speak to anyone - is that an indicator?",
    "who is the data protection officer?",
    "can the council talk to the family?",
    "how do workers raise a grievance under the code of practice?",
    "can the police contact the victim directly?",
    "what is a fair processing notice?",
    "how long does a final written warning stay on someone's file?",
    "would a screenshot stand up as evidence of the breach?",
    "can a prisoner appeal an adjudication decision?",
    "how do i work out what i'm owed for mileage?",
    "i've got a staff grievance to investigate, what's the timeline?",
    "i've got a new disciplinary case to run, who do i tell?",
    "are we liable under gdpr if a contractor loses a laptop?",
    "the family threatens to sue us over a data breach, what does gdpr say",
    "i'm liable to forget my password, can i write it down?",
])
def test_a_question_about_the_rules_is_not_for_a_person(text):
    assert not wants_a_person(text)
