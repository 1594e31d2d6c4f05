"""The model's own words are kept only where the checked quotes support them: nothing that
holds personal data, an address the quotes do not give, words the quotes do not say, or the
opposite of the rule quoted."""

from __future__ import annotations

import json

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.llm import AnswerModel, AnswerStream, draft, streaming_to
from assistant.model_text import checked_lead, sentences_of, unsupported

RULE = "You must not email case files to a personal email account."
SECURE = "Send case files to partners only through the secure email service."
SOURCES = [("Email", f"{RULE} {SECURE} Ask the service desk on 0113 496 0000 for access.")]


def test_a_restatement_of_the_quotes_is_kept():
    assert unsupported("Never email case files to a personal account.", [RULE]) is None
    assert unsupported("Use the secure email service to send case files to partners.",
                       [SECURE]) is None


def test_an_address_link_or_number_the_quotes_do_not_give_is_dropped():
    for sentence in ("Email the case files to records@outside-example.com instead.",
                     "Upload the case files at https://files.example.net/drop today.",
                     "Phone 07700 900123 to send case files through secure email."):
        assert "address, link or number" in unsupported(sentence, [SECURE])
    quoted = "Ask the service desk on 0113 496 0000 for access."
    assert unsupported("Ask the service desk for access on 0113 4960000.", [quoted]) is None


def test_words_the_quotes_do_not_say_are_dropped():
    assert "not in the quotes" in unsupported(
        "Send your password to the helpdesk so they can check your account.", [SECURE])


def test_the_opposite_of_the_quoted_rule_is_dropped():
    assert "opposite" in unsupported("You can email case files to a personal email account.",
                                     [RULE])
    assert "opposite" in unsupported("Yes, email case files to a personal email account.",
                                     [RULE])
    assert "opposite" in unsupported("Do not send case files through the secure email service "
                                     "to partners.", [SECURE])


def test_personal_data_in_the_models_words_is_dropped():
    assert "personal data" in unsupported(
        "Prisoner A1234BC must not email case files to a personal email account.", [RULE])


def test_the_lead_keeps_supported_sentences_in_order_and_at_most_two():
    lead = checked_lead("Never email case files to a personal account. Email them to "
                        "x@outside-example.com. Use the secure email service for partners. "
                        "Case files go to partners by secure email.", [RULE, SECURE])
    assert lead.text == ("Never email case files to a personal account. "
                         "Use the secure email service for partners.")
    assert lead.dropped[0][1].startswith("it gives an address")
    assert sentences_of("1. Go to it. 2. Enter your work email address.") == [
        "1. Go to it.", "2. Enter your work email address."]


def scripted(reply: str) -> AnswerModel:
    return AnswerModel(GenericFakeChatModel(messages=iter([AIMessage(reply)])))


def test_a_draft_keeps_only_the_supported_lead_and_streams_only_that():
    reply = json.dumps({"citations": [{"source": 1, "quote": RULE}],
                        "answer": "No, never email case files to a personal account [1]. "
                                  "Email them to records@outside-example.com instead."})
    pieces: list[str] = []
    with streaming_to(pieces.append):
        drafted = draft(scripted(reply), "can i email case files home?", [], SOURCES)
    assert drafted.text == "No, never email case files to a personal account."
    assert "".join(pieces) == drafted.text and "outside-example" not in "".join(pieces)
    assert len(drafted.dropped) == 1


def test_an_answer_written_before_its_quotes_streams_nothing():
    reply = json.dumps({"answer": "Send your password to help@outside-example.com.",
                        "citations": [{"source": 1, "quote": RULE}]})
    shown: list[str] = []
    stream = AnswerStream([SOURCES[0][1]], shown.append)
    for n in range(0, len(reply), 5):
        stream.feed(reply[n:n + 5])
    stream.finish()
    assert shown == []
    with streaming_to(shown.append):
        drafted = draft(scripted(reply), "can i email case files home?", [], SOURCES)
    assert shown == [] and drafted.text == "" and drafted.quotes == [(0, RULE)]
