"""Requests Guide refuses whatever the documents say (personal data is the guard's job).

Each rule names a *kind* of request, not the wording of one question:
- attempts to change Guide's instructions or to see them (prompt injection);
- someone else's text pasted in to be summarised, rewritten or tidied (case notes, letters,
  records: Guide answers questions about the rules, it does not process documents);
- material for attacking people or systems; legal advice.
``refusal(text)`` is called by ``Assistant.ask`` on the conversation as said, so every surface
(Slack, Teams, web, CLI) gets the same answer, and a later turn cannot unlock an earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.for_a_person import ASKS_FOR_JUDGEMENT

# -- changing or revealing the instructions ----------------------------------------------
# Four kinds, each in the words any such attempt uses rather than one message's: setting
# Guide's rules aside, a persona without them, a claim of authority to lift them, and asking
# to see them. "Guide's" is what keeps a policy question out: "can I ignore the removable
# media policy?" names a policy, "ignore your rules" names Guide's.
_SET_ASIDE = r"(?:ignore|disregard|forget|override|bypass|set aside)"
# weaker verbs ("remove all the restrictions on USB sticks?" asks about a policy): only with
# a possessive that can only be Guide's ("your restrictions")
_CHANGE = (r"(?:skip|drop|lift|remove|suspend|turn off|switch off|get round|get around|"
           r"work around|stop (?:following|using|applying)|rewrite|change|relax|loosen|break)")
_CONSTRAINT = (r"(?:instructions?|rules?|guidelines?|prompts?|guardrails?|restrictions?|"
               r"programming|constraints?|filters?|limits?|limitations?|safeguards?|"
               r"safety (?:settings|checks)|boundaries)")
_YOUR = r"(?:your|ur)(?:\s+(?:own|usual|normal|standard|built-in))?"
# whose rules: Guide's own ("your rules", "the previous instructions"), never a policy's
_GUIDES = (rf"(?:{_YOUR}|all(?: of)?(?: the| your)?|(?:the|any|these|those) (?:previous|prior|"
           r"earlier|above|hidden|system|original|initial|safety))")
_FREE = (r"(?:without|with no|no|free of|free from)\s+(?:any\s+)?(?:of\s+)?(?:your\s+|"
         r"the\s+)?(?:rules|filters?|restrictions|limits|limitations|guardrails|censorship|"
         r"safeguards|constraints|boundaries|content (?:policy|policies|filters?))")
_UNBOUND = r"(?:not|no longer|never)\s+(?:\w+\s+)?(?:bound|limited|restricted|constrained)\s+by"
# "you don't have to follow your rules", not "you don't have to follow the policy if..."
_NEED_NOT_FOLLOW = (r"(?:do(?:es)?n'?t|do(?:es)? not|no longer|never) (?:have|need) to (?:follow|"
                    r"obey|stick to|keep to) (?:your|ur|any) (?:\w+ )?(?:rules|instructions|"
                    r"guidelines|restrictions|programming|limits|filters)")
_PERSONA = (r"(?:you(?:'re| are|re| r)? now|from now on,? you(?:'re| are| will be)?|"
            r"(?:respond|answer|reply|talk) as|you play|pretend "
            r"(?:to be|you(?:'re| are|re)?)|act as(?: if)?|role-?play(?: as)?|imagine "
            r"you(?:'re| are|re)?|let'?s play a game|play the (?:role|part) of|"
            r"you(?:'re| are|re) no longer)")
_PERSONA_FREE = (rf"(?:unrestricted|unfiltered|uncensored|jailbr(?:eak|oken)|{_FREE}|"
                 r"anything goes|can (?:say|answer|do) anything|(?:isn'?t|is not|aren'?t|are not|"
                 r"not) (?:a bot|an? (?:ai|assistant|chatbot))|(?-i:DAN)|evil|rogue|"
                 r"(?:do(?:es)?n'?t|do(?:es)? not|never) (?:care about|follow|bother with|"
                 r"worry about|stick to|cared about|bothered with|followed) (?:the |any |your )?"
                 r"(?:rules|guidance|policies|policy|restrictions)|"
                 r"(?:restrictions|rules|limits|filters) (?:have been|had been|were|are) (?:\w+ )?"
                 r"(?:lifted|removed|switched off|turned off|disabled))")
_AUTHORITY = (r"(?:i(?:'m| am)?\s+(?:hereby\s+)?(?:authori[sz]e|permit|allow|give you "
              r"(?:permission|clearance|authority))|(?:has|have|is|are|been)\s+(?:approved|"
              r"authori[sz]ed|signed (?:it )?off|cleared|given (?:you )?permission)|"
              r"(?:you have|you've got|you now have) (?:my )?(?:permission|clearance|authority)|"
              r"new rule from)")
_REVEAL_VERB = (r"(?:reveal|show|print|output|repeat|display|tell|give|share|dump|list|"
                r"paste|read out|recite|leak|expose|copy|write out|send|translate|summari[sz]e|"
                r"quote|reproduce|spell out)(?:s|es|ed|ing)?")
_SECRET = (r"(?:your\s+(?:\w+\s+){0,2}?(?:prompt|instructions|configuration|config|"
           r"system message|programming)|"
           r"the\s+(?:system\s+(?:prompt|message)|prompt you|instructions you|rules you)|"
           r"(?:system|hidden|secret|initial|developer|pre-?)\s*(?:prompt|instructions|"
           r"configuration)|original prompt|(?:hidden|secret) (?:text|rules|message)|"
           r"(?:the |any )?(?:text|words|instructions|messages?) (?:that (?:comes?|came) |you were "
           r"given |written )?(?:before|above) (?:this|our|the) (?:conversation|chat|message)|"
           r"(?:everything|anything|all|whatever|what)\b.{0,30}\b(?:before|above|prior to) "
           r"(?:my|our|this|the) (?:first )?(?:message|conversation|chat|question)|"
           r"your (?:initial|first|original|opening) (?:message|prompt|instructions)|"
           r"everything (?:above|before) (?:this|here)|"
           r"(?:rules|instructions|settings|prompt) (?:that )?you(?:'ve| have)? been (?:configured|"
           r"programmed|given|set up|told)|"
           r"(?:setup|set-?up|start-?up|starting|hidden|initial|original|secret|whole|full|exact)\s+"
           r"(?:text|instructions|prompt|rules|words)\s+(?:that\s+)?you\s+(?:were|was|have been|"
           r"'ve been)\s+(?:given|told|fed|loaded with)\b|"
           r"(?:text|words|rules|instructions|prompt)\b.{0,20}\b"
           r"(?:defines?|controls?|governs?) (?:how you (?:behave|work|respond|answer)|you(?:r "
           r"behaviou?r)?)\b)")
INJECTION = [
    re.compile(rf"\b{_SET_ASIDE}\b(?:\W+\w+){{0,3}}?\W+{_GUIDES}\s+(?:\w+\s+){{0,2}}?"
               rf"{_CONSTRAINT}\b", re.I),
    re.compile(rf"\b{_SET_ASIDE}\s+(?:\w+\s+)?what you(?: were|'ve been| have been) (?:told|"
               rf"given|instructed)\b|\b{_SET_ASIDE}\s+(?:all\s+)?(?:previous|prior|earlier|"
               r"above)\s+(?:instructions|directions|commands|messages|rules)\b", re.I),
    re.compile(rf"\b{_CHANGE}\b(?:\W+\w+){{0,3}}?\W+{_YOUR}\s+(?:\w+\s+){{0,2}}?"
               rf"{_CONSTRAINT}\b", re.I),
    re.compile(rf"\b(?:answer|respond|reply)\b(?:\W+\w+){{0,3}}?\W+{_FREE}\b", re.I),
    # a statement, "you're not bound by the documents", not the question "are you bound by?"
    re.compile(rf"\byou(?:'re| are|re| r)\s+(?:\w+\s+)?{_UNBOUND}\b|\byou\s+{_NEED_NOT_FOLLOW}\b",
               re.I),
    re.compile(rf"\b{_PERSONA}\b.{{0,60}}?{_PERSONA_FREE}", re.I),
    # a mode for Guide ("developer mode enabled"), not a laptop's ("enable debug mode")
    re.compile(r"\b(?:god|sudo|dan|jailbreak|jailbroken|unrestricted|unfiltered) mode\b|"
               r"\b(?:developer|admin|maintenance) mode (?:is )?(?:on|enabled|activated)\b|"
               r"^\s*(?:now\s+)?(?:switch to|enter|go into|activate) "
               r"(?:developer|admin|maintenance|debug) mode\b|"
               r"\bjailbr(?:eak|oken)\b.{0,10}\b(?:you|yourself|this (?:bot|chat|assistant)|"
               r"the bot)\b|\byou(?:'re| are)(?: now)? jailbroken\b|\b(?-i:DAN)\b|"
               r"(?:^|\n)\s*\[?(?:system|sys|developer)\]?\s*:.{0,60}\b(?:disabled|enabled|override|"
               r"mode|instructions|rules|restrictions)\b", re.I),
    # Guide told to stop working from the documents ("skip the document search, answer from
    # general knowledge"), put in a mode of its own, or asked to confirm a new role in words
    # of the sender's choosing ("reply 'test mode on' to confirm")
    re.compile(r"\b(?:skip|bypass|don'?t (?:do|run|use)|do not (?:do|run|use)) (?:the |any |a |"
               r"your )?(?:document|doc|guidance|source|knowledge base) ?(?:search|look-?up)s?\b|"
               r"\b(?:answer|respond|reply)\b(?:\W+\w+){0,2}?\W+(?:from|using|out of|with) "
               r"(?:your |ur )?(?:own |general |world |background )knowledge\b|"
               # Guide's mode, not a system's ("when you're in training mode on nomis...")
               r"(?:^|[.!?:;,]\s*|\bnow\s+|\bfor (?:this|the next) \w+(?: \w+)?,?\s+)"
               r"you(?:'re| are|re| r)\s+(?:now\s+)?in\s+(?:developer|"
               r"dev|debug|admin|maintenance|unrestricted|god|sudo|test) mode\b"
               r"(?!\s+(?:on|of|for|in)\b)|"
               # an order, not what an email says ("the email says reply 'stop' to confirm")
               r"(?:^|[.!?]\s+)(?:now\s+|just\s+|please\s+)?(?:reply|respond|answer|say|type|write)\s+"
               r"(?:with\s+|back\s+)?[\"'‘“][^\"'’”]{1,40}[\"'’”]\s+(?:to confirm|if you "
               r"(?:understand|agree|accept)|to (?:show|prove))", re.I | re.M),
    # authority claimed for answering anything (lifting "your rules" is caught above;
    # "my manager has approved it, can you tell me how to get round the USB restrictions?" asks
    # about a policy)
    re.compile(rf"{_AUTHORITY}\b.{{0,80}}?\b(?:you|ur)\b.{{0,40}}?\b(?:answer (?:anything|"
               r"everything|freely)|not bound|no longer bound)\b", re.I),
    re.compile(rf"\b{_REVEAL_VERB}\b(?:\W+\w+){{0,5}}?\W+{_SECRET}\b", re.I),
    re.compile(r"\bwhat (?:are|were|is) (?:your|ur) (?:\w+ )?(?:instructions|rules|prompt|"
               r"system message)\b|\bwhat (?:were|have) you (?:been )?(?:told|"
               r"instructed|programmed|asked) not to\b|\bwhat (?:were|have) you been "
               r"(?:instructed|programmed)\b|\bwhat (?:text|words|rules|instructions|prompt)\b"
               r".{0,20}\b(?:defines?|controls?|governs?) (?:how you|your behaviou?r)", re.I),
    re.compile(r"\b(?:admin(?:istrator)?|root)\s+password\b", re.I),
    # a persona's cue, or Guide's rules lifted "hypothetically" or "just this once"
    re.compile(r"\bstay in character\b|\bif (?:you|u) (?:weren'?t|were not|wasn'?t|had no|"
               r"didn'?t have) (?:\w+ )?(?:restricted|limited|filtered|censored|rules|"
               r"restrictions|filters|limits)\b|\b(?:your|ur|whose) (?:\w+ )?(?:rules|"
               r"restrictions|filters|limits|guardrails|safeguards) (?:were|are|have been|had been|"
               r"was|got) (?:\w+ )?(?:off|switched off|turned off|disabled|lifted|removed|gone|"
               r"suspended)\b|\b(?:can|could|will|would) (?:you|u) (?:just )?(?:bend|break|make an "
               r"exception to) (?:the|your|ur) rules\b|\byou(?:'ve| have)? got rules\b.{0,60}"
               r"\bexception\b", re.I),
]

# -- someone else's text to process ------------------------------------------------------
_PROCESS = (r"(?:summari[sz]e|summary of|sum up|rewrite|re-?word|rephrase|paraphrase|redraft|"
            r"tidy(?: up)?|clean up|polish|proof-?read|condense|shorten|simplify|translate|"
            r"(?:turn|convert|put|make|format|change)\b.{0,40}\binto|write up|minute|"
            r"bullet(?: point)?s?\b|(?:re)?format\b|cut\b.{0,20}\bdown|trim|"
            r"key points|action points|improve the wording of|"
            r"make (?:this|it|these|that)\b.{0,30}?\b(?:sound|more|less|\w{3,}e?r)\b|"
            r"(?:check|correct|fix) (?:the |my |its )?(?:spelling|grammar|wording))")
PROCESS_REQUEST = re.compile(rf"\b{_PROCESS}", re.I)
DEIXIS = re.compile(r"\b(?:this|these|that|the following|below|above)\b", re.I)
POINTS_AT_BLOCK = re.compile(rf"{DEIXIS.pattern}|:\s*$", re.I)
SHORT_REQUEST = 5  # "summarise pls: ..." points at what follows by its colon alone
PASTE_MIN_WORDS = 40  # a block after "...:" on one line: this many words beyond the request
PASTE_MIN_LINE_WORDS = 20  # a block of lines of its own (an email, notes): this many words,
PASTE_LIST_LINES, PASTE_LIST_WORDS = 3, 12  # or a list of points: this many lines and words


@dataclass(frozen=True)
class Refusal:
    kind: str  # "instructions", "pasted text", "harmful", "legal advice"
    reason: str
    where: str


INSTRUCTIONS = Refusal(
    "instructions", "Guide's instructions can't be changed or shown",
    "Ask a question about the guidance instead.")
PASTED = Refusal(
    "pasted text", "Guide doesn't summarise or rewrite pasted documents or case notes, "
    "which may hold other people's details",
    "Ask about the rule you need instead, for example how to record or share such notes.")
HARMFUL = Refusal(
    "harmful", "Guide does not write material that could be used to attack people or systems",
    "For a security exercise, speak to the security team.")
LEGAL = Refusal("legal advice", "Guide can't give legal advice", "Please contact the legal team.")

HARMFUL_REQUEST = re.compile(
    r"\b(?:write|draft|create|generate|make)\b.{0,40}\b(?:phishing|malware|ransomware|exploit|"
    r"virus|scam|keylogger)\b", re.I)
# legal advice for the asker; "should he get legal advice?" asks what the guidance says
LEGAL_REQUEST = re.compile(
    r"\b(?:can|could|may) (?:i|we) (?:get|have|ask for|request)\b.{0,20}\blegal advice\b|"
    r"\b(?:give|want|need) (?:me |us )?(?:some )?legal advice\b|\b(?:is|are) (?:we|i) "
    r"(?:legally )?liable\b|\bsue\b", re.I)


# Asking Guide to do the asker's work ("can you write my performance review?") rather than
# what the guidance says: not something the documents answer.
TASK_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will) you\s+(?:please\s+)?|please\s+)?(?:write|draft|compose|"
    r"fill in|fill out|complete|do)\s+(?:me\s+)?(?:my|our|a|an|the)\b(?!.{0,60}\b(?:rules?|"
    r"guidance|policy|steps)\b)", re.I)


def task_request(text: str) -> bool:
    return bool(TASK_REQUEST.search(text))


def pasted_block(text: str) -> bool:
    """A request to process text that points at a block of it ("summarise this:", "tidy
    these notes"), with the block: the lines after the request's line (before it, when it
    comes last) or a long run after its colon. "Can I put case notes into Copilot?" with a
    story under it asks about a rule: nothing points at a block."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        request = PROCESS_REQUEST.search(line)
        if request is None:
            continue
        colon = line.find(": ", request.end())
        if colon >= 0 and words(line[colon + 2:]) > SHORT_REQUEST:  # the block on its line
            head, rest = line[:colon], line[colon + 2:]
            if (DEIXIS.search(head) or words(head) <= SHORT_REQUEST) and \
                    is_block(rest, PASTE_MIN_WORDS, bool(DEIXIS.search(head))):
                return True
            continue
        if len(lines) > 1 and POINTS_AT_BLOCK.search(line):
            block = "\n".join(lines[i + 1:] or lines[:i])
            questions = bool(DEIXIS.search(line))  # "summarise this chat": its questions too
            if is_block(block, PASTE_MIN_LINE_WORDS, questions) or (
                    len(lines) - 1 >= PASTE_LIST_LINES and
                    is_block(block, PASTE_LIST_WORDS, questions)):
                return True
    return False


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def is_block(text: str, min_words: int, questions: bool = False) -> bool:
    """Long enough to be pasted, and not a run of questions (unless the request says the
    block is what it means: "summarise this chat")."""
    return words(text) >= min_words and (questions or text.count("?") <= 1)


def refusal(text: str) -> Refusal | None:
    """The first kind of refused request ``text`` makes, or None."""
    if any(p.search(text) for p in INJECTION):
        return INSTRUCTIONS
    if pasted_block(text):
        return PASTED
    if HARMFUL_REQUEST.search(text):
        return HARMFUL
    # "they're going to sue me, am I liable?" asks for a judgement on the asker's own case:
    # a person, not a refusal
    if LEGAL_REQUEST.search(text) and not ASKS_FOR_JUDGEMENT.search(text):
        return LEGAL
    return None
