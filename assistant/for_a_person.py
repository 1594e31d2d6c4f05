"""Messages that are for a person, not the guidance: asking for one, or asking for a judgement
about the asker's own case (their discipline, grievance, appeal or claim, whether they will
be fined or blamed, what suits their own project).

Each pattern names a kind of request in the words such requests use. "Can I speak to the
police?" asks whether something is allowed, so a person asked for is a helper (someone, a
human, an adviser, a team), never a party the guidance is about.
"""

from __future__ import annotations

import re

# who may be asked for: "someone", "a real person", "someone in information governance"
_HELPER = (r"(?:some(?:one|body)|(?:an? |the )?(?:real |actual |live |proper )?"
           r"(?:person|human|people|colleague|adviser|advisor|expert|member of staff)|"
           r"(?:a |an )?(?:real|actual|live) (?:one|person|human))(?!'s|\s+(?:data|details|"
           r"information|records?|names?))")
_TALK = r"(?:speak|talk|chat)\s+(?:to|with)"
ASKS_FOR_PERSON = re.compile(
    rf"\b{_TALK}\s+{_HELPER}\b|\bescalate\b|"
    r"\bcontact (?:a|an|the) (?:person|human|team|expert)\b|\bput me (?:through|in touch)\b|"
    r"\bwho (?:do|should|can|could) (?:i|we) (?:speak|talk) to\b|"
    rf"\b(?:is there|are there|got) (?:any(?:one|body)|{_HELPER})\b.{{0,40}}\b(?:i|we) "
    rf"(?:can|could) {_TALK}\b|"
    r"\b(?:can|could|will) (?:someone|somebody|a person|a human|you get someone|you get "
    r"somebody) (?:to )?(?:review|look at|check|help|call|ring|phone|contact|email|"
    r"get back to)\b|"
    # "I need to speak to someone", not "do I need to speak to the DPO first?" nor "I'd like
    # to speak to the police about this, is that ok?"
    rf"(?<!do )(?<!should )(?<!would )\bi(?: want| need| would like|'d like| wanna) to "
    rf"(?:speak|talk)(?:\s+(?:to|with)\s+{_HELPER}\b|\s*(?:please|pls)?\s*[.!?]?\s*$)|"
    # asked to pass the asker on: "connect me with", "arrange a call with someone", "ask the
    # duty worker to contact me", "get me a human"
    rf"\bconnect me (?:with|to)\b|\b(?:arrange|set up|book|have)\b.{{0,30}}\b(?:call|meeting|"
    rf"chat)\b.{{0,20}}\bwith {_HELPER}\b|"
    r"\b(?:can|could|would|will|please|pls|ask|have|get)\b.{0,60}\b(?:give me a (?:call|ring|"
    r"bell)|call me back|ring me(?: back)?|phone me(?: back)?|get back to me|contact me)\b|"
    rf"\bget me {_HELPER}|\bpass (?:my|this|the) (?:query|question|message|request)\b.{{0,20}}"
    r"\bon\b|"
    r"\b(?:an?|some) (?:real|actual|live|proper) (?:person|human)\b(?!'s|\s+(?:data|details|"
    r"information|records?|names?))|\bhuman (?:please|pls|plz)\b",
    re.I,
)
# the asker's own case: their outcome, their proceedings, their claim
_OUTCOME = (r"(?:fined|sacked|dismissed|disciplined|blamed|sued|prosecuted|struck off|"
            r"lose my job|losing my job|"
            r"suspended|punished|investigated|in trouble|held (?:personally )?(?:liable|"
            r"responsible))")
_PROCEEDINGS = (r"(?:grievance|disciplinary|tribunal|capability (?:hearing|process|meeting)|"
                r"misconduct (?:hearing|investigation|meeting)|written warning|final warning|"
                r"dismissal|appeal hearing)")
_ADVERB = r"(?:personally|actually|really|definitely|still|now|also)"  # "am i personally gonna"
# "a final written warning", not "a staff grievance to investigate"
_FORMAL = r"(?:formal|final|first|second|written|verbal|official|gross)"
ASKS_FOR_JUDGEMENT = re.compile(
    r"\b(?:best|right|ideal)\s+(?:\w+\s+){0,2}for\s+(?:my|our)\s+(?:service|team|project|"
    r"system|product|use case|department|unit|situation)\b|\bshould\s+(?:i|we)\s+build\b|"
    r"\b(?:have|has|do) (?:i|we) (?:got |have )?(?:grounds|a case|a claim|a good case)\b|"
    r"\bgrounds (?:to|for) (?:an )?appeal\b|"
    r"\b(?:appeal|challenge) (?:my|our|the) (?:\w+ )?(?:decision|warning|dismissal|refusal|"
    r"outcome|sanction|review|grading|score)\b|"
    rf"\b(?:am i|are we) (?:{_ADVERB} )?(?:going to|gonna|likely to) (?:get |be )?{_OUTCOME}|"
    rf"\b(?:(?:will|would) i|i'?ll|i will) (?:{_ADVERB} )?(?:get |be )?{_OUTCOME}|"
    # the asker's own proceedings: "a grievance against me", "I'm facing a disciplinary" (not
    # "a colleague facing a disciplinary", nor "how long is my written warning kept on file?")
    rf"\b{_PROCEEDINGS} (?:against|for|with) me\b|"
    rf"(?:^\s*|\bi(?:'ve| have)? )got an? (?:{_FORMAL} )?{_PROCEEDINGS}\b|"
    rf"\bi(?:'m| am) facing an? (?:{_FORMAL} )?{_PROCEEDINGS}\b|"
    r"\b(?:i|we)\b.{0,20}\b(?:take|bring|raise) (?:it|this|them|a claim|a case|my case|"
    r"my employer) (?:to|at) (?:a |an |the )?(?:employment )?(?:tribunal|ombudsman)\b|"
    r"\b(?:will|would|could) (?:i|we) win\b|\b(?:do|would) (?:i|we) stand a chance\b|"
    r"\b(?:i was|i've been|i have been|i got|i think i (?:was|got)) (?:\w+ )?"
    r"(?:discriminated|bullied|harassed|victimised|victimized)\b|"
    # whether what happened to the asker was fair or lawful, or their complaint would win
    r"\b(?:am i|was i|have i been) (?:being )?treated (?:fairly|unfairly|differently|badly)\b|"
    r"\bwas (?:that|it|this) (?:fair|unfair|justified)\b|"
    r"\b(?:legal|lawful|fair|unfair|allowed) in my (?:case|situation|circumstances)\b|"
    r"\b(?:would|will|could) my (?:complaint|claim|grievance|appeal|case) (?:succeed|win|stand up|"
    r"be upheld|get anywhere)\b|"
    # the asker's own liability and pay: "am I personally liable?", "he says he'll sue me",
    # "I've been underpaid since January"
    rf"\b(?:am i|will i be|would i be|could i be|i'?m|i am) (?:{_ADVERB} |legally )?"
    r"liable\b(?! to (?:be|get|forget|lose|miss|make)\b)|\b(?:going to|gonna|wants? to|"
    r"threaten(?:ing|s|ed)? to|will|could|might) sue me\b|\b(?:i'?ve been|i have been|i was|"
    r"i'?m being|im being|i am being|i got) (?:\w+ )?(?:underpaid|short-?changed|not paid|"
    r"docked)\b|"
    # the asker's own appeal: "would that stand up if I appealed it?"
    r"\b(?:would|will|could) (?:that|it|this|the decision|the warning) (?:stand up|stand|hold|be "
    r"overturned|be upheld)\b.{0,30}\bi (?:appeal|appealed|challenge|challenged)\b",
    re.I,
)


def wants_a_person(text: str) -> bool:
    """Whether ``text`` asks for a person or for a judgement about the asker's own case."""
    return bool(ASKS_FOR_PERSON.search(text) or ASKS_FOR_JUDGEMENT.search(text))
