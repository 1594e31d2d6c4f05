"""The guard against the forms an external security review got through (issue: unlabelled
nDelius CRNs, hyphenated and other date typings, spelled-out postcodes, lower-case and
surname-first names, Irish names), and the legitimate questions it must never refuse."""

from __future__ import annotations

import pytest

from assistant.guard import check


def refused_as(question: str, kind: str) -> None:
    result = check(question)
    assert kind in result.kinds, (question, result.kinds)
    assert f"[{kind.upper()}]" in result.redacted
    for f in result.findings:  # nothing that was found is kept as typed
        assert question[f.start:f.end] not in result.redacted


# -- an nDelius case record number with no label -------------------------------------------
@pytest.mark.parametrize("question", [
    "X123456 - can i attach it to the email",
    "can i email the record for X123456?",
    "is X123456 ok to put in teams",
    "X123456's licence conditions, can the police see them",
    "the file (B604112) has his risk assessment",
    "notes for X 1 2 3 4 5 6, where do they go",  # spelled out
])
def test_an_unlabelled_ndelius_crn_is_refused(question):
    refused_as(question, "case reference")


@pytest.mark.parametrize("question", [
    "Where do I find the A1 form?",
    "Is the upgrade to Windows 11 safe for nDelius?",
    "Does Section 29 cover a police request?",
    "What does Article 6 say about lawful basis?",
    "Is update KB5034441 safe to install?",  # two letters, seven digits
    "I get error E123456 when I open nDelius",  # a code the words beside it call a thing's
    "E123456 error on the laptop, who do I call",
    "Product ID B012345 won't install on my laptop",
    "asset tag L123456 is on the broken laptop",
    "part X123456-B is missing from the kit",  # part of a longer code
    "the order ref ABC/X123456 came today",
    "is the x123456 format a case number?",  # lower case: only after a label
    "Which is right, form C100 or B7?",
])
def test_codes_that_only_look_like_a_crn_pass(question):
    assert not check(question).blocked, check(question).kinds


# -- dates of birth, however typed ---------------------------------------------------------
@pytest.mark.parametrize("question", [
    "born 12-March-1987, can i share it with housing",
    "dob 3-mar-86",
    "d.o.b. 12-march-1987 - ok to put on the form?",
    "he is aged 37, 12-March-1987",
    "her birthday is 12-March-1987, can the school know",
    "DOB: Mar-12-1987",
    "d.o.b 12.Mar.1987",
    "born 12March1987",
    "born 3 mar 86, is that enough to check identity",
    "dob 12031987",
    "born 12 03 1987",
    "his dob is 1987 03 12",
    "the victim, 3-mar-86, wants an update",
])
def test_a_date_of_birth_in_any_typing_is_refused(question):
    refused_as(question, "date of birth")


@pytest.mark.parametrize("question", [
    "he was born in 1987 - which rules apply to him?",  # a year is not a date of birth
    "she was born in 1990, is she an adult?",
    "her appointment is on 3 March 10:30",  # a time, not a year
    "the officer said 12 may 20 people attend",
    "he has 3 kids aged 5 7 and 9",
    "prisoner transfer from HMP Leeds on 12-03-2025",  # a date no one alive was born on
    "the officer's training is on 3-mar-26",
    "when was the policy last reviewed, 12-March-2024?",
    "the prisoner was seen 19/08, can he have visits",  # a day and a month, not 1/9/08
    "the child, aged 3 12/08 on the form, is that right",
])
def test_dates_that_are_not_a_birth_date_pass(question):
    assert not check(question).blocked, check(question).kinds


# -- a postcode spelled out ----------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "he lives at S W 1 A 1 A A",
    "postcode Z Z 9 9 9 Z Z - can i put it on the referral",
    "send it to s w 1 a 1 a a please",
    "her address is L S 1 - 4 A P",
    "is S.W.1.A.1.A.A in our area",
])
def test_a_spelled_out_postcode_is_refused(question):
    refused_as(question, "postcode")


def test_a_spelled_out_postcode_is_redacted_as_typed():
    assert check("he lives at S W 1 A 1 A A now").redacted == "he lives at [POSTCODE] now"


@pytest.mark.parametrize("question", [
    "Rate it 1 2 3 4 5 on a scale of A B C",
    "options a b c d e 1 for the officer",
    "Steps 1 a 2 b 3 c, in order",
])
def test_letters_and_digits_in_a_list_pass(question):
    assert not check(question).blocked, check(question).kinds


# -- names: an elided particle in lower case, surname first, Irish names ---------------------
@pytest.mark.parametrize("question", [
    "siobhan o'brien disclosed abuse, who do i tell",
    "priya d'souza asked for her file",
    "prisoner john o'neill wants his file",
    "sean o'neill told me he is using again",
    "mr o'brien wants visits",
    "Mr D'Souza wants visits",
    "prisoner O'Neill wants his file",
    "Siobhan O\u2019Brien asked for a copy",  # a typographic apostrophe
])
def test_a_name_with_an_apostrophe_particle_is_refused(question):
    refused_as(question, "name")


@pytest.mark.parametrize("question", [
    "smith, john - can i share his file",
    "o'connor, siobhan asked for her file",
    "O'Connor, siobhan asked for her file",
    "O'Connor, Siobhan asked for her file",
    "O\u2019Connor, Siobhan asked for her file",  # was kept as "O\u2019[NAME]"
    "begum, fatima missed her appointment",
    "mcallister, hamish - is he on licence",
])
def test_a_name_typed_surname_first_is_refused_whole(question):
    refused_as(question, "name")
    assert check(question).redacted.startswith("[NAME] ")


@pytest.mark.parametrize("question", [
    "Seán Ó Briain told me he is using",
    "Aoife Ní Bhriain asked for a copy",
    "Pádraig Mac Giolla wants his file",
    "seán ó briain told me he is using",
    "Ciarán Ó hAodha missed his appointment",
    "Máire Nic Aodha asked for her records",
    "can i share Niamh Ní Mhurchú's file with housing",
])
def test_an_irish_name_is_refused(question):
    refused_as(question, "name")


def test_an_irish_name_is_redacted_whole():
    assert check("Seán Ó Briain told me").redacted == "[NAME] told me"


@pytest.mark.parametrize("question", [
    "O Level results are on the certificate, is that personal data?",
    "Is Mac OS supported for nDelius?",
    "Can I use an Apple Mac for work?",
    "does IT need the mac address of my laptop",
    "Is it ok to use my NI number on a training form?",
    "what time is it, ten o'clock?",
    "Kent, Essex and Surrey share one ISA",
    "thanks, grace period applies?",
    "well, will the policy change?",
    "in the local git repo, run the install",  # words in lower case, not "Run Repo"
    "Thanks John I'll check the policy",  # a contraction is not "O'Brien"
    "the patient i'll see, can i note it?",
])
def test_words_shaped_like_name_parts_pass(question):
    assert not check(question).blocked, check(question).kinds


# -- the legitimate questions staff ask ------------------------------------------------------
LEGITIMATE = [
    # roles
    "Can the victim liaison officer share the release date with the victim's family?",
    "What should an offender manager do before sharing a risk assessment with the police?",
    "Can a probation officer email a pre-sentence report to the court?",
    "When do I need to tell the DPO about a data breach?",
    "Who is the DPO for the Probation Service?",
    "Does the victim liaison officer need consent before contacting the victim?",
    "Can the offender manager use WhatsApp to contact a person on probation?",
    "Is the prison offender manager allowed to see OASys assessments?",
    "Can a person on probation see their own records?",
    "Can I share a prisoner's medical info with the council?",
    "What if a victim asks for the offender's release address?",
    "Who approves sharing with Jobcentre Plus?",
    # teams
    "What should the Approved Premises team do with visitor logs?",
    "Can the Youth Offending Team see probation records?",
    "Does the Intelligence team need a DPIA for the new tool?",
    "Can the Court Team print reports at home?",
    "Which team handles Freedom of Information requests?",
    "Should I report a lost laptop to IT Service Desk?",
    # places
    "Can I share information with the MASH about a child at risk?",
    "What does the MASH need from probation for a safeguarding referral?",
    "Can Early Years settings share with the MASH?",
    "Can HMP Leeds send records to HMP Wakefield by email?",
    "How do I transfer files to HMP Long Lartin securely?",
    "Can HMYOI Feltham share education records with the local authority?",
    "What is the retention period for records at HMP Manchester?",
    "Can Leeds Crown Court receive reports by Egress?",
    "How do I send a report to Sheffield Magistrates' Court?",
    "Do courts in Birmingham accept secure email?",
    "Can the West Midlands police see our data?",
    "Does the Greater Manchester Combined Authority need a DPIA?",
    "Is Kent, Essex and Surrey covered by the same ISA?",
    "Can staff at Newcastle Probation Office use printers in the library?",
    "Are Liverpool and London offices on the same network?",
    "Can a colleague in Cardiff view my Teams files?",
    "Can St Mungo's receive referrals by email?",
    "Can HM Courts and Tribunals Service share listings with us?",
    # tools and products
    "Is Teams approved for OFFICIAL-SENSITIVE information?",
    "Can I use Copilot to summarise a case note?",
    "Can I use Microsoft Copilot for drafting letters?",
    "How do I send an encrypted email with Egress?",
    "How do I get access to Egress on a new laptop?",
    "Is nDelius the right place to record a home visit?",
    "How do I correct an error in nDelius?",
    "Who can see OASys assessments in nDelius?",
    "Can I copy text from OASys into a Word document?",
    "Is Outlook on my personal phone allowed?",
    "Can I forward work emails to Gmail?",
    "Can I use a USB stick to move files between offices?",
    "Can I use ChatGPT to rewrite a letter without names?",
    "Is it safe to paste anonymised text into Copilot?",
    "Will Power BI dashboards show personal data?",
    "Can Power Automate move files from Outlook to SharePoint?",
    "Can O2 or Vodafone give us phone records?",
    "How do I set up MFA on a new phone?",
    "Can I open O365 attachments on a personal device?",
    "Windows 11 upgrade: can I keep files on the desktop?",
    "Is product code KB5034441 safe to install?",
    "Is ISO 27001 required for our suppliers?",
    # translation
    "can i use google translate for a letter",
    "Can I use Google Translate to translate a letter for a person on probation?",
    "is deepl ok for translating a court letter",
    "Can I use an interpreter over Teams video?",
    # dates about documents
    "When was the policy last reviewed, 12 March 2024?",
    "The data sharing agreement was signed on 1 April 2023, is it still valid?",
    "Has the retention schedule changed since 3rd May 2024?",
    "Was the guidance updated on 2024-01-15?",
    "The ISA was reviewed on 12/03/2024, do we need a new one?",
    "Which version applies from 1-Jan-2025?",
    "Policy dated March 3, 2024 - is it current?",
    "Monday is a bank holiday, when will the records be deleted?",
    # laws, sections and forms
    "Does Section 29 of the Data Protection Act cover police requests?",
    "What does Article 6 of the UK GDPR say about lawful basis?",
    "Where do I find the A1 form for travel?",
    "Which form do I use, the B7 form or the C100?",
    "What does the Data (Use and Access) Act 2025 change?",
    "Version 2.1 of the policy, section 4.3, what does it say?",
    "What is the MAPPA process for sharing information?",
    # identifiers asked about in general
    "Is a prison number personal data?",
    "Is an nDelius CRN personal data?",
    "Can I put a CRN in an email subject line?",
    "What is a PNC number used for?",
    "When can I share a date of birth with housing?",
    "Should I redact dates of birth from reports?",
    "Can someone born in 1990 be referred to youth services?",
    "If a person was born before 2000, which rules apply?",
    "What happens if a child aged 15 is remanded?",
    # ordinary capitalised words at sentence starts
    "Grace period for returning equipment?",
    "Please can you explain what special category data is?",
    "Thanks, can I also ask about retention?",
    "Hello, how do I request access to SharePoint?",
    "Dear Guide, what is a subject access request?",
    "Mark Scheme documents: can they be stored on SharePoint?",
    "Brian from IT said I should ask here: is Teams chat retained?",
    "Ring 101 or 999, which is right for a non-urgent concern?",
    "Should victim statements go in the Parole Board dossier?",
    "Is the Ministry of Justice the data controller for probation?",
    "Does the Information Commissioner's Office publish guidance on CCTV?",
    "How many days do I have to respond to a SAR, 30 days?",
    "Can I keep paper notes in a locked drawer at the office?",
]


def test_the_legitimate_questions_are_many():
    assert len(LEGITIMATE) >= 60 and len(set(LEGITIMATE)) == len(LEGITIMATE)


@pytest.mark.parametrize("question", LEGITIMATE)
def test_a_legitimate_question_passes(question):
    result = check(question)
    assert not result.blocked, result.kinds
    assert result.redacted == question
