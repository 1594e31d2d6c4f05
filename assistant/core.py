"""``Assistant.ask``: a staff question in, an ``Answer`` out. Every channel calls this."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np

from assistant import messages as msg
from assistant.answer import Answer, Citation
from assistant.audiences import cited_audiences
from assistant.clarify import classification_options, options_text, variant_options
from assistant.evidence import EvidenceModel, lexical, signals, unknown_titles
from assistant.extractive import body_of, candidate_sentences, compose_quotes, score_sentences
from assistant.followup import rewrite
from assistant.for_a_person import wants_a_person
from assistant.glossary import Glossary
from assistant.guard import GUARD_MARGIN, check
from assistant.llm import build_answer_model, draft
from assistant.messages import MESSAGES_VERSION
from assistant.person_names import name_lists
from assistant.prompts import PROMPT_VERSION
from assistant.reading import read
from assistant.refusals import INSTRUCTIONS, Refusal, refusal, task_request
from assistant.router import Router
from assistant.skills.tagging import FrameworkTagger
from assistant.terms import content_terms, phrase_pattern, stem
from config.audiences import STAFF, readers
from config.errors import ModelUnavailable, QuoteCheckFailed
from config.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever, Retrieved
from usage.log import Asked, UsageLog

log = logging.getLogger(__name__)
LLM_SOURCES = 5  # chunks the model sees
# Below the evidence threshold but more likely than not answerable: the refusal names the
# closest sections, so staff can look for themselves (no quote: nothing is asserted)
UNSURE = 0.5
CLOSEST_SHOWN = 2
SENTENCE_CACHE = 20_000  # sentence vectors kept (~30 MB): popular passages are embedded once
# Passages whose sentences are embedded to judge the evidence and quote from: embedding them
# is most of an answer's time (about 8 ms a sentence on 2 cores); the third keeps a section
# split over two chunks whole ("How do I reset my MFA?" in the sample)
SENTENCE_SOURCES = 3

FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|what about|how about|what if|then|so|ok(?:ay)?|same for|"
    r"is that|does that|and if|it is|it's|which ones?|give me|can you|please)\b", re.I)
# "What is X?", "Tell me about X": one word is the whole subject, not a missing detail.
ASKS_ABOUT_TOPIC = re.compile(
    r"(?:^|[.?!]\s+)(?:what\s+(?:is|are)|tell\s+me\s+(?:about|more\s+about)|explain|define|"
    r"describe|what\s+does\s+\S+\s+mean)\b", re.I)
# Something went wrong. Staff describe what happened in their own words ("I clicked a dodgy
# link", "I pasted it into ChatGPT by mistake"), words the guidance never uses; what answers
# them is the incident procedure, so its words (Settings.incident_words) join the search.
WENT_WRONG = re.compile(
    r"\b(?:by (?:mistake|accident)|mistakenly|(?:made|make) a mistake|accidental(?:ly)?|"
    r"inadvertently|(?:to|at|with) the wrong|wrong (?:person|people|address|recipient|email|"
    r"number|team|council|file|attachment)|(?:lost|misplaced|mislaid)\s+(?:my|a|an|the|our|"
    r"some|his|her|their)\b|left (?:my|a|an|the|our) .{1,40}\b(?:on|in|at) (?:the|a)\b|"
    r"(?:was|were|got|been|has been|have been) (?:stolen|hacked|leaked|lost)|oops|"
    r"shouldn'?t have|(?:clicked|opened)\b.{0,30}\b(?:dodgy|suspicious|phishing|malicious|"
    r"fake|scam|strange|unexpected)|(?:clicked|opened)\b.{0,30}\b(?:link|attachment) in "
    r"(?:a|an|the|that) (?:email|message|text))", re.I)
# "this", "one" and "there" are left out: "this week", "one day", "is there" rarely point back
PRONOUN = re.compile(r"\b(?:it|that|they|them|those|these)\b", re.I)


class Assistant:
    def __init__(self, settings: Settings, kb: KnowledgeBase | None = None,
                 evidence: EvidenceModel | None = None, usage: UsageLog | None = None) -> None:
        self.settings = settings
        self.kb = kb or KnowledgeBase(settings)
        self.retriever = HybridRetriever(self.kb)
        self.evidence = evidence or EvidenceModel.load()
        self.glossary = Glossary.load(settings.glossary_file)
        self.router = Router.load()
        name_lists()  # the guard's name lists, read once per process before the first question
        self.model = build_answer_model(settings)
        self.usage = usage
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sentences_lock = threading.Lock()
        self.escalation_topics = [p for p in map(phrase_pattern, settings.escalation_topics)
                                  if p is not None]
        self.skill_areas = FrameworkTagger(
            settings.data_dir, lambda texts: self.kb.cached_embeddings.embed_documents(texts),
            self.text_vector, settings.skills_tag_similarity)

    # -- the pipeline ---------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[str] = (),
            audiences: Collection[str] = STAFF, asked: Asked | None = None) -> Answer:
        """Answer ``question`` from what someone reading as ``audiences`` may see (all staff
        only unless told more); with ``asked`` (who and where), the answer is also logged,
        with the audiences it was computed for, and ``record_id`` set, so feedback and
        escalations can refer to it."""
        audiences = readers(audiences)
        answer = self._answer(question, history, audiences)
        if asked is not None and self.usage is not None:
            answer.record_id = self.log(replace(asked, audiences=audiences), answer)
        return answer

    def log(self, asked: Asked, answer: Answer) -> str | None:
        """Record an answer with its skill areas; a failing log never costs staff their
        answer, and a failing tagger never costs the log its record."""
        areas: list[str] = []
        if answer.status != "blocked":
            try:
                areas = self.skill_areas.tag(answer.question)
            except Exception:
                log.exception("could not tag a question with its skill areas")
        try:
            return self.usage.record(  # type: ignore[union-attr]
                asked, answer.model_dump(), identifier_kinds=answer.identifier_kinds,
                model=self.settings.llm_model if answer.mode == "llm" else None, areas=areas,
                cited_audiences=cited_audiences(self.retriever, answer.citations))
        except Exception:
            log.exception("could not record a %s answer in the usage log", answer.status)
            return None

    def nearest_document(self, text: str, audiences: Collection[str] = STAFF
                         ) -> dict[str, str] | None:
        """The document whose passage best matches ``text`` among those ``audiences`` may
        see (for the knowledge-gap report)."""
        hits = self.retriever.search(text, k=1, audiences=readers(audiences))
        if not hits:
            return None
        meta = hits[0].meta
        return {"doc_id": meta.get("doc_id", ""), "title": meta.get("title", ""),
                "section": meta.get("heading_path", "")}

    def _answer(self, question: str, history: Sequence[str], audiences: frozenset[str]
                ) -> Answer:
        timings: dict[str, float] = {}
        started = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal started
            now = time.perf_counter()
            timings[stage] = round((now - started) * 1000, 2)
            started = now

        limit = self.settings.max_question_chars
        # the length limit first, with a margin so an identifier across it is still seen whole:
        # nothing past it is searched or stored, and the guard's work stays bounded
        guarded = check(question[:limit + GUARD_MARGIN])
        lap("guard")
        if guarded.blocked:
            return Answer(status="blocked", question=guarded.redacted, timings_ms=timings,
                          identifier_kinds=guarded.kinds,
                          text=msg.BLOCKED_PERSONAL_DATA.format(kinds=", ".join(guarded.kinds)))
        kept = question[:limit + GUARD_MARGIN]  # what is guarded is all that is read
        earlier = [check(turn[:limit + GUARD_MARGIN]).redacted for turn in history]
        said = self.contextualise(kept, earlier)
        # on the message and on the conversation so far: "my manager signed it off" does not
        # unlock an earlier request; before the length check, so a pasted document to
        # summarise is refused as such
        refused = refusal(kept) or refusal(said)
        if refused is not None:
            return blocked_request(question, refused, timings)
        if len(question) > limit:  # a pasted document, not a question: nothing searched
            text = msg.TOO_LONG.format(length=len(question), limit=limit)
            return Answer(status="need_more_detail", question=guarded.redacted[:limit] + "…",
                          text=text, follow_up=text, timings_ms=timings)
        if wants_a_person(question) or any(t.search(said) for t in self.escalation_topics):
            return self.for_a_person(question, timings)

        if task_request(question):
            contact = self.settings.default_contact
            return Answer(status="cannot_answer", question=question, contact=contact,
                          timings_ms=timings,
                          text=msg.NOT_A_GUIDANCE_QUESTION.format(contact=contact))
        query = self.search_query(question, earlier)
        ranked = self.retriever.search(query, k=2 * self.settings.retrieval_k,
                                       audiences=audiences, vector=self.text_vector(query))
        hits = ranked[:self.settings.retrieval_k]
        lap("retrieve")
        # worded unlike the patterns above, but meaning the same: the learned router
        request = None
        if self.router.model_id == self.kb.model.model_id:
            request = self.router.kind(self.text_vector(kept))
            lap("route")
        if request == "instructions":
            return blocked_request(question, INSTRUCTIONS, timings)
        answer = self.compose(question, query, hits, earlier)
        lap("compose")
        answer.retrieved = [h.chunk_id for h in ranked]
        answer.timings_ms = timings
        return answer

    def for_a_person(self, question: str, timings: dict[str, float]) -> Answer:
        contact = self.settings.default_contact
        return Answer(status="talk_to_a_person", question=question, timings_ms=timings,
                      contact=contact, text=msg.TALK_TO_A_PERSON.format(contact=contact))

    def search_query(self, question: str, earlier: list[str]) -> str:
        """What is searched for: the ask read out of the message (first) with its story, in
        its conversation, abbreviations expanded, and the incident procedure's words for a
        mishap."""
        reading = read(self.contextualise(question, earlier))
        return self.with_incident_words(self.glossary.expand(reading.query, self.corpus_uses))

    def focus(self, query: str) -> str:
        """What the evidence and the quotes are measured against: the ask, unless it says
        too little on its own ("What now?", "do we have to?"), then the whole message; a
        mishap's ask keeps the incident procedure's words."""
        ask = read(query).ask
        if WENT_WRONG.search(query):  # what to do now is the incident procedure's answer
            return self.with_incident_words(ask if ask != query else "").strip()
        return ask if len(content_terms(ask)) >= 3 else query

    def corpus_uses(self, word: str) -> bool:
        """Whether some passage of the guidance contains ``word``."""
        return stem(word.lower()) in self.retriever.known_terms()

    def with_incident_words(self, query: str) -> str:
        return f"{query} {self.settings.incident_words}" if WENT_WRONG.search(query) else query

    @staticmethod
    def contextualise(question: str, earlier: list[str]) -> str:
        """A follow-up is read with the turn before it: one that names only what changed
        ("What about to the police?") as that question with the part replaced; a short one
        or one that points back ("And OFFICIAL-SENSITIVE?", "Which ones?") after it."""
        if not earlier:
            return question
        rewritten = rewrite(question, earlier[-1])
        if rewritten is not None:
            return rewritten
        terms = content_terms(question)
        # "What is on the canteen menu this week?" is a new question, not a follow-up: with
        # meaning-based evidence, the earlier turn's words would answer it
        short = len(terms) <= 2
        if short or FOLLOW_UP_START.match(question) or (len(terms) <= 5
                                                        and PRONOUN.search(question)):
            return f"{earlier[-1]} {question}"
        return question

    # -- deciding and writing the answer --------------------------------------------------
    def measure(self, query: str, hits: list[Retrieved]) -> tuple[dict[str, float | None],
                                                                   list, list[float]]:
        """The evidence signals for ``query`` (see ``assistant.evidence``), with the
        candidate sentences of the top passages and their similarity to the ask."""
        ask = self.focus(query)
        vectors = self.sentence_vectors(list(dict.fromkeys([ask, query,
                                                             self.glossary.plain(ask)])))
        sentences = candidate_sentences(hits, max_sources=SENTENCE_SOURCES)
        sims: list[float] = []
        if sentences:
            matrix = self.sentence_vectors([s.text for s in sentences])
            sims = (matrix @ vectors.T).max(axis=1).tolist()
        values = signals(vectors, hits, sims, self.retriever.corpus_vectors())
        values.update(lexical(ask, self.retriever.known_terms(), set(self.glossary.terms)))
        return values, sentences, sims

    def compose(self, question: str, query: str, hits: list[Retrieved],
                history: list[str] | None = None) -> Answer:
        history = history or []
        earlier = history[-1] if history else ""
        terms = content_terms(query)
        if too_vague(query, terms):
            return Answer(status="need_more_detail", question=question,
                          text=msg.NEED_MORE_DETAIL_VAGUE, follow_up=msg.NEED_MORE_DETAIL_VAGUE)
        if not hits:
            return self.cannot_answer(question, hits)
        missing = unknown_titles(read(question).ask, self.retriever.mentions)
        if missing:  # what the documents never name, they cannot say anything about
            return self.cannot_answer(question, hits, msg.NOT_MENTIONED, name=missing[0])
        values, sentences, sims = self.measure(query, hits)
        probability = self.evidence.probability(values)
        evidence = {k: (round(v, 4) if v is not None else None) for k, v in values.items()}
        evidence["probability"] = round(probability, 4)
        if probability < self.evidence.threshold:
            if probability >= UNSURE:  # not sure enough to quote, sure enough to point
                places = list(dict.fromkeys(source_label(h) for h in hits))[:CLOSEST_SHOWN]
                answer = self.cannot_answer(question, hits, msg.CANNOT_ANSWER_CLOSEST,
                                            places="; ".join(places))
            else:
                answer = self.cannot_answer(question, hits)
            answer.evidence = evidence
            return answer

        texts = [h.text for h in hits]
        options = (variant_options(question, texts, earlier, self.retriever.writes_lower)
                   or classification_options(query, texts))
        if options:
            follow_up = msg.NEED_MORE_DETAIL_WHICH.format(options=options_text(options))
            return Answer(status="need_more_detail", question=question, text=follow_up,
                          follow_up=follow_up, evidence=evidence)

        if self.model is not None:
            try:
                answer = self.llm_answer(question, query, hits, history)
            except (ModelUnavailable, QuoteCheckFailed) as exc:
                log.warning("falling back to the extractive answer: %s", exc)
                answer = self.extractive(question, query, hits, sentences, sims)
                answer.notice = (msg.FALLBACK_NOTICE if isinstance(exc, ModelUnavailable)
                                 else msg.UNCHECKED_NOTICE)
        else:
            answer = self.extractive(question, query, hits, sentences, sims)
        answer.evidence = evidence
        return answer

    def extractive(self, question: str, query: str, hits: list[Retrieved],
                   sentences: list | None = None, sims: list[float] | None = None) -> Answer:
        """The best passage's sentences that answer the ask, in document order, quoted."""
        if sentences is None:
            sentences = candidate_sentences(hits, max_sources=SENTENCE_SOURCES)
            sims = self.sentence_similarities(self.focus(query), [s.text for s in sentences])
        if not sentences:
            return self.cannot_answer(question, hits)
        score_sentences(self.focus(query), sentences, sims)
        cited = Citations()
        parts = [f"{quote} [{cited.add(hit, quote)}]" for hit, quote in compose_quotes(sentences)]
        return cited.answer(question, " ".join(parts), mode="extractive")

    def llm_answer(self, question: str, query: str, hits: list[Retrieved],
                   history: list[str]) -> Answer:
        sources = hits[:LLM_SOURCES]
        labelled = [(source_label(h), body_of(h)) for h in sources]
        drafted = draft(self.model, question, history, labelled)
        if drafted.status == "cannot_answer":
            answer = self.cannot_answer(question, hits)
            answer.mode, answer.prompt_version = "llm", PROMPT_VERSION
            return answer
        cited = Citations()
        numbers = [cited.add(sources[i], quote) for i, quote in drafted.quotes]
        if drafted.dropped:
            log.info("dropped %d sentences of the model's answer: %s", len(drafted.dropped),
                     "; ".join(why for _, why in drafted.dropped))
        if not drafted.text:  # nothing of the model's own words held: the quotes say it
            return cited.answer(question, " ".join(
                f"{quote} [{n}]" for (_, quote), n in zip(drafted.quotes, numbers, strict=True)),
                mode="llm")
        markers = " ".join(f"[{n}]" for n in dict.fromkeys(numbers))
        return cited.answer(question, f"{drafted.text} {markers}", mode="llm")

    def cannot_answer(self, question: str, hits: list[Retrieved],
                      why: str = msg.CANNOT_ANSWER, **details: str) -> Answer:
        """``why``: the message, with the contact and ``details`` filled in."""
        contact = self.settings.default_contact
        return Answer(status="cannot_answer", question=question, contact=contact,
                      text=why.format(contact=contact, **details))

    def sentence_similarities(self, query: str, texts: list[str]) -> list[float]:
        """Cosine of each sentence to the query."""
        if not texts:
            return []
        return (self.sentence_vectors(texts) @ self.text_vector(query)).tolist()

    def text_vector(self, text: str) -> np.ndarray:
        """The unit vector of one text (a question, its ask): the search, the evidence and
        the skills tagging share it, so a message is embedded once, and a question asked
        again not at all (MiniLM embeds queries and passages alike)."""
        return self.sentence_vectors([text])[0]

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts``; texts seen before are not embedded again."""
        cache = self._sentences
        unique = list(dict.fromkeys(texts))
        with self._sentences_lock:  # what is cached now: another answer may evict it later
            found = {t: cache[t] for t in unique if t in cache}
        missing = [t for t in unique if t not in found]
        vectors = self.kb.embeddings.embed_documents(missing) if missing else []
        for text, vector in zip(missing, vectors, strict=True):
            v = np.asarray(vector, dtype=np.float32)
            found[text] = v / max(float(np.linalg.norm(v)), 1e-12)
        with self._sentences_lock:
            for text, vector in found.items():
                cache[text] = vector
                cache.move_to_end(text)
            while len(cache) > SENTENCE_CACHE:
                cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


class Citations:
    """Numbers sources in the order they are first cited: markers can only be ones we made."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}  # chunk id -> number
        self.sections: dict[str, int] = {}  # document, heading and page -> number
        self.items: list[Citation] = []
        self.hashes: list[str] = []

    def add(self, hit: Retrieved, quote: str) -> int:
        """The number of ``hit``'s section: quotes from one section share one number."""
        meta = hit.meta
        section = f"{meta.get('doc_id', '')}\x00{meta.get('heading_path', '')}\x00" \
            f"{meta.get('page', '')}"
        if section not in self.sections:
            self.sections[section] = len(self.sections) + 1
        if hit.chunk_id not in self.numbers:
            self.numbers[hit.chunk_id] = self.sections[section]
            self.hashes.append(meta.get("content_hash", ""))
        n = self.numbers[hit.chunk_id]
        self.items.append(citation(n, hit, quote))
        return n

    def answer(self, question: str, text: str, mode: str) -> Answer:
        return Answer(status="answered", question=question, text=text, citations=self.items,
                      chunks_used=list(self.numbers), chunk_hashes=self.hashes, mode=mode,
                      prompt_version=PROMPT_VERSION if mode == "llm" else MESSAGES_VERSION)


def blocked_request(question: str, refused: Refusal, timings: dict[str, float]) -> Answer:
    return Answer(status="blocked", question=question, timings_ms=timings,
                  text=msg.BLOCKED_REQUEST.format(reason=refused.reason, where=refused.where))


def source_label(hit: Retrieved) -> str:
    meta = hit.meta
    parts = [meta.get("title", ""), meta.get("heading_path", "")]
    if meta.get("page"):
        parts.append(f"page {meta['page']}")
    return " > ".join(p for p in parts if p)


def too_vague(question: str, terms: set[str]) -> bool:
    """No subject at all ("Is this allowed?"), or one common word ("Do I need permission?");
    a single named thing ("Is Cursor allowed?") or a topic asked about by name ("Tell me
    about agents", "What is phishing?") is a fine question."""
    if not terms:
        return True
    if len(terms) > 1 or ASKS_ABOUT_TOPIC.search(question):
        return False
    named = re.search(r"(?<!^)(?<![.?!]\s)\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][a-z]+)\b",
                      question.strip())
    return named is None


def citation(number: int, hit: Retrieved, quote: str, today: dt.date | None = None) -> Citation:
    meta = hit.meta
    review = meta.get("review_date")
    past = bool(review) and review < (today or dt.date.today()).isoformat()
    return Citation(
        number=number, doc_id=meta.get("doc_id", ""), title=meta.get("title", ""),
        source=meta.get("source", ""), page=meta.get("page"),
        heading_path=meta.get("heading_path", ""), quote=quote, version=meta.get("version"),
        review_date=review, warning=msg.PAST_REVIEW.format(date=review) if past else None,
        chunk_id=hit.chunk_id, content_hash=meta.get("content_hash", ""),
    )
