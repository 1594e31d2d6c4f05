"""Each loader on small files the tests make, and every bad input trainers will bring."""

from __future__ import annotations

import zipfile

import pytest

from config.errors import IngestError
from ingest.loaders import is_candidate, load_file
from ingest.loaders.pdf import without_ghosts
from tests.files import (
    make_docx,
    make_encrypted_pdf,
    make_legacy_doc,
    make_pdf,
    make_scanned_pdf,
)

POLICY_PAGES = [
    [("h1", "Sharing with the police"),
     ("p", "1.1 Police requests must be made in writing on the disclosure form."),
     ("h2", "Emergencies"),
     ("p", "2.1 In an emergency you may disclose the minimum by telephone.")],
    [("h2", "Records"),
     ("p", "3.1 Keep a copy of every disclosure for six years.")],
]


def raw(data: bytes):
    def make(path):
        path.write_bytes(data)
        return path

    return make


def headings_of(doc):
    return [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]


def test_pdf_pages_and_outline_headings(tmp_path):
    doc = load_file(make_pdf(tmp_path / "police.pdf", POLICY_PAGES, title="Police procedure",
                             author="Information Governance"))
    assert doc.format == "pdf" and doc.pages == 2 and doc.title == "Police procedure"
    assert doc.metadata["owner"] == "Information Governance"
    assert headings_of(doc) == [(1, "Sharing with the police"), (2, "Emergencies"),
                                (2, "Records")]
    para = {b.text: b.page for b in doc.blocks if b.kind == "paragraph"}
    assert para["3.1 Keep a copy of every disclosure for six years."] == 2
    assert para["2.1 In an emergency you may disclose the minimum by telephone."] == 1
    # the heading comes right before the paragraphs it governs
    texts = [b.text for b in doc.blocks]
    assert texts.index("Emergencies") == texts.index(
        "2.1 In an emergency you may disclose the minimum by telephone.") - 1


def test_pdf_without_outline_uses_numbered_headings(tmp_path):
    pdf = tmp_path / "plain.pdf"
    from fpdf import FPDF

    writer = FPDF()
    writer.add_page()
    writer.set_font("Helvetica", "", 11)
    for line in ["1. Introduction", "This procedure explains how to share data safely.",
                 "2. Retention", "Keep records for six years."]:
        writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        writer.ln(2)
    writer.output(str(pdf))
    doc = load_file(pdf)
    assert headings_of(doc) == [(1, "1. Introduction"), (1, "2. Retention")]


def test_pdf_running_headers_and_footers_are_not_headings(tmp_path):
    """A line repeated at the top or bottom of most pages, numbers aside ("12 Published by the
    Home Office March 2020"), is a running header or footer: dropped, never a heading; a
    numbered paragraph whose first line runs on is one paragraph, not a heading."""
    pdf = tmp_path / "guidance.pdf"
    from fpdf import FPDF

    topics = ["Retention", "Disclosure", "Consent", "Security", "Complaints"]
    writer = FPDF()
    writer.set_font("Helvetica", "", 11)
    for n, topic in enumerate(topics, start=1):
        writer.add_page()
        writer.multi_cell(0, 6, f"L 119/{n + 20} EN Official Journal", new_x="LMARGIN",
                          new_y="NEXT")
        writer.ln(4)
        writer.multi_cell(0, 6, f"{n}. {topic}", new_x="LMARGIN", new_y="NEXT")
        writer.ln(2)
        writer.multi_cell(0, 6, f"Section {n} explains how {topic.lower()} works.",
                          new_x="LMARGIN", new_y="NEXT")
        writer.multi_cell(0, 6, f"Keep type {n} records for {n + 1} years.", new_x="LMARGIN",
                          new_y="NEXT")
        writer.ln(4)
        if n == 3:
            for line in ["47. Other examples of detriment are deception, intimidation,",
                         "coercion or significant negative consequences if a data subject",
                         "does not consent."]:
                writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            writer.ln(4)
        writer.multi_cell(0, 6, f"{n + 10} Published by the Home Office March 2020",
                          new_x="LMARGIN", new_y="NEXT")
    writer.output(str(pdf))
    doc = load_file(pdf)
    assert headings_of(doc) == [(1, f"{n}. {t}") for n, t in enumerate(topics, start=1)]
    texts = [b.text for b in doc.blocks]
    assert not any("Published by the Home Office" in t or "Official Journal" in t for t in texts)
    assert ("47. Other examples of detriment are deception, intimidation, coercion or "
            "significant negative consequences if a data subject does not consent.") in texts
    # a line repeated inside the pages' bodies (numbers aside) is content: kept on every page
    assert [b.page for b in doc.blocks if "Keep type" in b.text] == [1, 2, 3, 4, 5]


def test_pdf_footer_glued_to_the_text_goes_and_a_sentence_over_a_page_break_is_whole(
        tmp_path):
    """A numbered footer pypdf glues to a page's last words (and sets alone on a few pages)
    is taken off them; words that start most pages with no number ("Code of ...") are the
    page's text. A sentence cut by a page break is whole on the page it starts on, and the
    next page's text starts at the sentence after it."""
    pdf = tmp_path / "regulation.pdf"
    from fpdf import FPDF

    pages = [("Code of conduct: records.", "Keep a copy of every disclosure for"),
             ("six years. Then destroy them.", "The request is then decided by the"),
             ("Home Office within one month. Tell the person.",
              "Every page of this regulation is filed."),
             ("Code of conduct: appeals.", "A note is kept of the"),
             ("reasons for the decision; (a) the date of it.", "Code of conduct: reviews.")]
    writer = FPDF()
    writer.set_font("Helvetica", "", 11)
    for n, (first, last) in enumerate(pages, start=1):
        writer.add_page()
        for line in [first, f"Rule {n} applies to every team in the region.",
                     f"{last} 4.5.2016 L 119/{n + 20} EN"]:
            writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            writer.ln(4)
    for n in range(6, 9):  # pages whose footer stands alone
        writer.add_page()
        for line in [f"Rule {n} applies to every team in the region.",
                     "Teams keep their own records.", f"4.5.2016 L 119/{n + 20} EN"]:
            writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            writer.ln(4)
    writer.output(str(pdf))
    doc = load_file(pdf)
    text = {n: " ".join(b.text for b in doc.blocks if b.page == n) for n in range(1, 9)}
    assert not any("L 119" in t or "4.5.2016" in t for t in text.values())
    assert text[1].endswith("Keep a copy of every disclosure for six years.")
    assert text[2].startswith("Then destroy them.")
    assert text[2].endswith("The request is then decided by the Home Office within one month.")
    assert text[3].startswith("Tell the person.")
    assert text[3].endswith("Every page of this regulation is filed.")
    assert text[4].startswith("Code of conduct: appeals.")  # the page before ended its sentence
    assert text[4].endswith("A note is kept of the reasons for the decision;")
    assert text[5].startswith("(a) the date of it.")
    assert text[1].startswith("Code of conduct: records.")
    assert text[5].endswith("Code of conduct: reviews.")


def test_pdf_running_headers_that_alternate_between_left_and_right_pages_go(tmp_path):
    """A printed document's header is the title on one side and the part on the other: each
    is on fewer than half the pages, yet a running header."""
    pdf = tmp_path / "toolkit.pdf"
    from fpdf import FPDF

    writer = FPDF()
    writer.set_font("Helvetica", "", 11)
    writer.add_page()
    writer.multi_cell(0, 6, "Guide to Tackling Abuses in Supply Chains: a toolkit")  # cover
    for n in range(2, 10):
        writer.add_page()
        header = "Code of Practice: Toolkit" if n % 2 else "Guide to Tackling Abuses"
        for line in [header, f"Step {n} is to check the supplier's contracts.",
                     f"Record what you find in contract {'ABCDEFGHIJ'[n - 1]}."]:
            writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            writer.ln(4)
    writer.output(str(pdf))
    blocks = load_file(pdf).blocks
    text = " ".join(b.text for b in blocks if b.page != 1)
    assert "Code of Practice" not in text and "Guide to Tackling" not in text
    assert text.count("Record what you find") == 8 and "Step 9 is to check" in text
    assert blocks[0].text.startswith("Guide to Tackling Abuses in Supply Chains")


def test_pdf_headers_with_the_page_number_and_the_chapter_go(tmp_path):
    """A compiled guide heads each page with its chapter and number ("| User access | 57"):
    the words change every few pages, so they never recur on half of them, but the number is
    the page's own. A body line that starts with another number stays."""
    pdf = tmp_path / "guidance.pdf"
    from fpdf import FPDF

    writer = FPDF()
    writer.set_font("Helvetica", "", 11)
    chapters = ["Access control", "User access", "Remote working", "Incident management",
                "Passwords"]
    kit = ["laptop", "phone", "pass", "token", "tablet", "key", "badge", "card", "drive", "fob"]
    for n in range(1, 11):
        writer.add_page()
        lines = [f"| {chapters[(n - 1) // 2]} | {n + 2}",
                 f"Rule {n}: lock your screen when you leave the desk.",
                 f"{n + 40} days is the most a temporary account may last.",
                 f"Report a lost {kit[n - 1]} to the service desk at once."]
        for line in lines:
            writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            writer.ln(4)
    writer.output(str(pdf))
    text = " ".join(b.text for b in load_file(pdf).blocks)
    assert not any(f"| {chapter} |" in text for chapter in chapters)
    assert text.count("lock your screen") == 10 and text.count("to the service desk") == 10
    assert "41 days is the most" in text and "50 days is the most" in text


def test_lines_that_only_happen_to_carry_the_page_number_stay():
    """A heading atop page 5 that starts with 5, a numbered point that ends page 3: the
    pages' numbers are in their footers, and these lines are the pages' text."""
    from ingest.loaders.pdf_margins import without_margins

    pages = {i: [f"Part {i + 1} of the retention schedule", f"Records of type {i} are kept.",
                 "Ask the records team if unsure.", f"- {i + 1} -"] for i in range(8)}
    pages[4][0] = "5 Retention periods"
    pages[2] = [*pages[2][:-1], "3. Sign and date the form."]  # no footer on this page
    kept = without_margins(pages)
    assert kept[4][0] == "5 Retention periods"
    assert kept[2][-1] == "3. Sign and date the form."
    assert all(f"- {i + 1} -" not in kept[i] for i in range(8))
    # the footer's going does not take the line above it: it recurs, but was never at an edge
    assert all("Ask the records team if unsure." in kept[i] for i in range(8))


def test_headings_on_a_few_pages_of_one_side_are_not_running_headers():
    """Three "Article N" headings that open odd pages of a ten-page law are its text."""
    from ingest.loaders.pdf_margins import running_lines

    pages = [[f"Article {n}" if n in (0, 2, 4) else f"Recital {n} of the law", "Body text.",
              f"Closing words of page {n}."] for n in range(10)]
    assert "article #" not in running_lines(pages)


def test_pdf_headings_by_type_size_and_numbered_paragraphs_are_text(tmp_path):
    """Without an outline, a line set larger than the body is a heading (the larger the
    type, the higher the level), numbered or not; a numbered paragraph in body type is text,
    even where it looks like a numbered heading; large type that ends a sentence or stops
    mid-phrase is not."""
    pdf = tmp_path / "statutory.pdf"
    from fpdf import FPDF

    writer = FPDF()
    for chapter, sections in [("5. Referring adults", ["Capacity", "Informed consent"]),
                              ("6. Referring children", ["Why refer a child?"])]:
        writer.add_page()
        writer.set_font("Helvetica", "", 20)
        writer.multi_cell(0, 9, chapter, new_x="LMARGIN", new_y="NEXT")
        for n, section in enumerate(sections, start=1):
            writer.set_font("Helvetica", "", 15)
            writer.multi_cell(0, 8, section, new_x="LMARGIN", new_y="NEXT")
            writer.set_font("Helvetica", "", 11)
            for clause in range(1, 5):
                writer.multi_cell(0, 6, f"{chapter[0]}.{n}{clause}. Staff must record this "
                                  f"step in the case system before the end of the day.",
                                  new_x="LMARGIN", new_y="NEXT")
            writer.multi_cell(0, 6, "5.9 Short numbered line", new_x="LMARGIN", new_y="NEXT")
        writer.set_font("Helvetica", "", 15)
        writer.multi_cell(0, 8, "Remember to record it.", new_x="LMARGIN", new_y="NEXT")
        writer.multi_cell(0, 8, "A First Responder is an organisation like the",
                          new_x="LMARGIN", new_y="NEXT")
        writer.set_font("Helvetica", "", 11)
        writer.multi_cell(0, 6, "police or the local authority.", new_x="LMARGIN",
                          new_y="NEXT")
    writer.output(str(pdf))
    doc = load_file(pdf)
    assert headings_of(doc) == [(1, "5. Referring adults"), (2, "Capacity"),
                                (2, "Informed consent"), (1, "6. Referring children"),
                                (2, "Why refer a child?")]
    assert any(b.kind == "paragraph" and b.text == "5.9 Short numbered line"
               for b in doc.blocks)


def test_pdf_with_only_its_title_in_large_type_keeps_numbered_headings(tmp_path):
    pdf = tmp_path / "policy.pdf"
    from fpdf import FPDF

    writer = FPDF()
    writer.add_page()
    writer.set_font("Helvetica", "", 22)
    writer.multi_cell(0, 10, "Removable media policy", new_x="LMARGIN", new_y="NEXT")
    writer.set_font("Helvetica", "", 11)
    for line in ["1. Scope", "This covers USB sticks.", "2. Rules", "Only encrypted sticks."]:
        writer.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        writer.ln(2)
    writer.output(str(pdf))
    assert headings_of(load_file(pdf)) == [(1, "1. Scope"), (1, "2. Rules")]


def test_pdf_article_headings_run_into_the_text():
    """A law's text layer can run "Article N Title" into the text: it is cut out as a
    heading, from a sentence's start or before the article's first numbered paragraph; a
    reference inside a sentence stays text."""
    from ingest.loaders.pdf import page_paragraphs, split_articles

    assert split_articles("defence of legal claims. Article 18 Right to restriction of "
                          "processing 1. The data subject shall have the right") == [
        ("defence of legal claims.", False),
        ("Article 18 Right to restriction of processing", True),
        ("1. The data subject shall have the right", False)]
    # no numbered paragraph: the title ends where the text's first sentence starts
    assert split_articles("Article 63 Consistency mechanism In order to contribute") == [
        ("Article 63 Consistency mechanism", True), ("In order to contribute", False)]
    # after a section's heading (no full stop before it), the numbered paragraph tells
    assert split_articles("Section 2 Security of data Article 32 Security of processing "
                          "1. Taking into account")[1] == ("Article 32 Security of processing",
                                                           True)
    for text in ["as referred to in Article 30 Member States shall provide",
                 "pursuant to Article 6(1) the controller", "Article 89 shall apply."]:
        assert split_articles(text) == [(text, False)]
    # a reference's number wrapped onto the next line is not a new clause
    assert page_paragraphs(["the records referred to in Article",
                            "30 of this Regulation shall be kept."]) == [
        ("the records referred to in Article 30 of this Regulation shall be kept.", 0)]


def test_docx_headings_table_and_core_properties(tmp_path):
    doc = load_file(make_docx(tmp_path / "isa.docx", title="Health ISA", author="IG Team",
                              keywords="audience=probation; review_date=2027-09-30"))
    assert doc.format == "docx" and doc.title == "Health ISA"
    assert doc.metadata["owner"] == "IG Team"
    assert (1, "1. Purpose") in headings_of(doc) and (2, "2.1 Retention") in headings_of(doc)
    table = next(b for b in doc.blocks if b.kind == "table")
    # each row reads on its own, with its column names
    assert "Information: Attendance; Purpose: Monitoring licence conditions" in table.text


def test_html_drops_boilerplate_keeps_structure(tmp_path):
    page = tmp_path / "guide.html"
    page.write_text("""<html><head><title>Secure email - Intranet</title>
        <meta name="review_date" content="2027-01-01"></head><body>
        <header>Intranet home</header><nav><a href="/">Home</a> &gt; IT</nav>
        <div class="cookie-banner">We use cookies</div>
        <main><h1>Secure email</h1><p>Use <b>secure email</b> for OFFICIAL-SENSITIVE.</p>
        <h2>Secure domains</h2>
        <table><tr><th>Partner</th><th>Domain</th></tr><tr><td>Council</td><td>gov.uk</td></tr>
        </table><ul><li>Never forward to personal email.</li><li>Check the address.</li></ul>
        <ol><li id="fn:1"><p>Set by the council. <a href="#fnref:1" class="reversefootnote">
        &#8617;</a></p></li><li><p>From 2024. <a href="#r2" role="doc-backlink">&#8617;</a></p>
        </li></ol>
        </main><footer>Copyright Westbrook</footer></body></html>""")
    doc = load_file(page)
    text = "\n".join(b.text for b in doc.blocks)
    assert doc.title == "Secure email" and doc.metadata["review_date"] == "2027-01-01"
    for chrome in ("Intranet home", "Home", "cookies", "Copyright"):
        assert chrome not in text
    assert "Use secure email for OFFICIAL-SENSITIVE." in text
    assert "Partner: Council; Domain: gov.uk" in text
    assert "- Never forward to personal email.\n- Check the address." in text
    assert "1. Set by the council.\n2. From 2024." in text  # no footnote's link back ("↩")
    assert headings_of(doc) == [(1, "Secure email"), (2, "Secure domains")]


def test_markdown_front_matter_and_headings(tmp_path):
    md = tmp_path / "mfa.md"
    md.write_text("---\ntitle: MFA resets\nowner: IT Service Desk\nreview_date: 2027-02-01\n"
                  "---\n# Resetting MFA\n\nCall the **Service Desk** on extension 4000.\n\n"
                  "## Locked out\n\n| Attempts | Lock |\n|---|---|\n| 5 | 30 minutes |\n")
    doc = load_file(md)
    assert doc.title == "MFA resets" and doc.metadata["owner"] == "IT Service Desk"
    assert headings_of(doc) == [(1, "Resetting MFA"), (2, "Locked out")]
    text = "\n".join(b.text for b in doc.blocks)
    assert "Call the Service Desk on extension 4000." in text  # prose, not Markdown syntax
    assert "Attempts: 5; Lock: 30 minutes" in text


def test_markdown_summary_is_the_opening_paragraph(tmp_path):
    md = tmp_path / "data.md"
    md.write_text("---\ntitle: Using data with AI\ndescription: What data you can put into an "
                  "AI tool depends on its *classification*.\n---\n# Using data with AI\n\n"
                  "## The table\n\nOFFICIAL is allowed in enterprise tools.\n")
    doc = load_file(md)
    assert [(b.kind, b.text) for b in doc.blocks[:3]] == [
        ("heading", "Using data with AI"),
        ("summary", "What data you can put into an AI tool depends on its classification."),
        ("heading", "The table")]
    # a page whose body already opens with its summary does not say it twice
    md.write_text("---\ndescription: Keep data safe.\n---\nKeep data safe.\n\nMore text here.\n")
    assert [b.text for b in load_file(md).blocks] == ["Keep data safe.", "More text here."]


def test_markdown_with_template_front_matter(tmp_path):
    md = tmp_path / "erb.md"
    md.write_text('---\ntitle: Hosting\nlast_reviewed_on: <%= Date.today %>\n---\n'
                  "# Hosting\n\nUse the approved platform. <%= partial 'x' %>\n")
    doc = load_file(md)
    assert doc.title == "Hosting"
    assert "Use the approved platform." in doc.blocks[1].text and "<%" not in doc.blocks[1].text


def test_markdown_abbreviation_definitions_are_not_text(tmp_path):
    md = tmp_path / "privacy.md"
    md.write_text("# Privacy note\n\nContact the ICO if you are unhappy.\n\n"
                  "*[ICO]: Information Commissioner's Office\n*[DWP]: Department for Work and "
                  "Pensions\n\n* [Draft] sections are marked\n")
    assert [b.text for b in load_file(md).blocks] == [
        "Privacy note", "Contact the ICO if you are unhappy.", "- [Draft] sections are marked"]


def test_markdown_and_html_wrapped_lines_are_one_sentence_and_br_breaks(tmp_path):
    md = tmp_path / "logs.md"
    md.write_text("# Logs\n\nSplunk is a tool for short and long-term storage,\nvisualisation "
                  "and reporting of logs.  \nAsk the team.\n\n- a list item that\n  wraps\n")
    assert [b.text for b in load_file(md).blocks[1:]] == [
        "Splunk is a tool for short and long-term storage, visualisation and reporting of "
        "logs.\nAsk the team.", "- a list item that wraps"]
    html = tmp_path / "logs.html"
    html.write_text("<html><body><main><h1>Logs</h1><p>Keep logs for\n12 months.<br>Then "
                    "delete them.</p><table><tr><th>A</th></tr><tr><td>x<br>y</td></tr></table>"
                    "</main></body></html>")
    assert [b.text for b in load_file(html).blocks[1:]] == [
        "Keep logs for 12 months.\nThen delete them.", "A\nA: x y"]


def test_plain_text_wrapped_lines_are_joined_and_items_kept(tmp_path):
    txt = tmp_path / "wrapped.txt"
    txt.write_text("Report a lost stick as a security incident, even\nif it was encrypted.\n"
                   "Then tell your manager:\n- the date\n- what was on it, and\n  when\n"
                   "2.1 Return sticks\nto the desk.\n")
    assert load_file(txt).blocks[0].text == (
        "Report a lost stick as a security incident, even if it was encrypted.\n"
        "Then tell your manager:\n- the date\n- what was on it, and when\n"
        "2.1 Return sticks to the desk.")


def test_pdf_ghost_lines_are_dropped_and_real_lines_kept():
    above = "breaches may justify more time. (87) It should be ascertained whether"
    ghost = "all appropriate technological measures have b d be ascertained whether"
    below = "all appropriate technological measures have been implemented to"
    assert without_ghosts([above, ghost, below, "establish it."]) == \
        [above, below, "establish it."]
    # a ghost may start with the last words of the sentence above: they stay, on its line
    above = "measures which ensure that the high risk to the"
    ghost = "rights and freedoms of data subjects is no longer likel high risk to the rights"
    below = "and freedoms of data subjects is no longer likely to materialise"
    assert without_ghosts([above, ghost, below]) == [f"{above} rights", below]
    above = "orientation shall be prohibited. 2. Paragraph 1 shall"
    ghost = "not apply if one of the following applies: (a) the subject has rohibited. 2. " \
            "Paragraph 1 shall not apply"
    below = "if one of the following applies: (a) the subject has given explicit consent"
    assert " ".join(without_ghosts([above, ghost, below])) == (
        "orientation shall be prohibited. 2. Paragraph 1 shall not apply if one of the "
        "following applies: (a) the subject has given explicit consent")
    # the end of the line above repeated behind a start of the real words that follow it
    above = "in the framework of anti-money laundering or of forensic laboratories. (20) While"
    ghost = "this Regulation work of anti-money laundering or of forensic laboratories. (20) " \
            "While this"
    below = "Regulation applies, inter alia, to the activities of courts"
    assert without_ghosts([above, ghost, below]) == [f"{above} this", below]
    # the line above again, its own end an overprinted start of the line below
    above = "of freedom, security and justice and of an economic union, to the stren"
    ghost = "reedom, security and justice and of an economic union, to the"
    below = "strengthening and the convergence of the economies"
    assert without_ghosts([above, ghost, below]) == [above[:-len(" stren")], below]
    above = "controller shall implement appropriate technical measures for ensuring that, by defau"
    ghost = "roller shall implement appropriate technical measures for ensuring that, by default,"
    below = "only personal data which are necessary for each specific purpose"
    assert without_ghosts([above, ghost, below]) == [f"cont{ghost}", below]
    # list items that end alike are text
    items = ["• First Contact Officers (3 FTE)", "• Police Officers (3 FTE)",
             "• Police Administrators (2 FTE)"]
    assert without_ghosts(items) == items
    # a line that merely starts like the next one is text, not a ghost
    items = ["1.1 Report it to the desk.", "1.1 Report it to the desk and your manager.",
             "Then stop."]
    assert without_ghosts(items) == items


@pytest.mark.parametrize("lines", [
    ["Managers must record the decision and the reasons for it in the case file.",
     "Staff must record the decision and the reasons for it in the case file.",
     "Staff who cannot do so must tell their line manager."],
    ["Signed on behalf of the data controller: ______________"] * 2
    + ["Signed on behalf of the processor: ______________"],
    ["• Restrict access to the shared drive – owner: IT team",
     "• Review access to the shared drive – owner: IT team",
     "• Review access to the case system – owner: Data team"],
    ["Issued on 1 March 2024", "Reviewed by the Board on 1 March 2024",
     "Reviewed by the Board on 3 June 2025"],
    ["Officers in the community team must report incidents by email to the duty manager",
     "Officers in the custody suite must report incidents by email to the duty manager",
     "Officers in the custody suite must report incidents by phone to the duty manager"],
    ["4.2 Reporting a personal data breach",
     "Reporting a personal data breach to the ICO must happen within 72 hours.", "Then stop."],
    ["If in doubt, ask the Information Assurance team",
     "the Information Assurance team will advise within a day.", "Then record it."],
    ["Note: staff must tell the data protection officer at once",
     "staff must tell the data protection officer at once", "if a laptop is lost."],
    ["Laptop Encrypted at rest and in transit Yes", "Phone Encrypted at rest and in transit Yes",
     "Tablet Encrypted at rest and in transit No"],
    [f"Row {i} " + " ".join(["0.0"] * 1000) + f" total {i}" for i in range(3)],
])
def test_pdf_lines_that_repeat_their_neighbours_whole_are_text(lines):
    """Parallel sentences, repeated lines, table rows and a heading its sentence restates
    repeat whole words: only a garbled repeat is a ghost."""
    assert without_ghosts(lines) == lines


def test_ligatures_are_read_as_the_letters_they_stand_for(tmp_path):
    """A PDF's text layer keeps "ﬁ" and "ﬃ" as one glyph ("oﬃcer" is an unknown word to the
    embedding model, and nobody searches for it): every format is read in plain letters."""
    md = tmp_path / "dpo.md"
    md.write_text("# Notiﬁcation to the oﬃcer\n\nThe speciﬁc eﬀects of proﬁling on the "
                  "data ﬂow\u2011chart.\n", encoding="utf-8")
    doc = load_file(md)
    assert [b.text for b in doc.blocks] == [
        "Notification to the officer",
        "The specific effects of profiling on the data flow-chart."]


def test_plain_text_numbered_headings(tmp_path):
    txt = tmp_path / "media.txt"
    txt.write_text("REMOVABLE MEDIA POLICY\n\n1. SCOPE\n\nThis covers USB sticks.\n\n"
                   "2.1 Only encrypted sticks may be used.\n")
    doc = load_file(txt)
    assert headings_of(doc)[:2] == [(1, "REMOVABLE MEDIA POLICY"), (1, "1. SCOPE")]
    assert any(b.text == "2.1 Only encrypted sticks may be used." for b in doc.blocks)


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("old.doc", make_legacy_doc, "legacy Word 97 format: save as .docx"),
        ("renamed.docx", make_legacy_doc, "legacy Word 97 format"),
        ("empty.pdf", raw(b""), "empty file"),
        ("empty.md", raw(b"---\ntitle: x\n---\n"), "document is empty"),
        ("corrupt.pdf", raw(b"%PDF-1.4\n garbage \x00\x01"),
         "corrupt or unreadable PDF"),
        ("corrupt.docx", raw(b"PK\x03\x04 not really a zip"),
         "not a valid .docx"),
        ("scanned.pdf", make_scanned_pdf, "no text layer"),
        ("sheet.xlsx", raw(b"PK\x03\x04"), "spreadsheets"),
        ("data.bin", raw(b"\x00\x01"), "unsupported file type .bin"),
    ],
)
def test_bad_input_has_clear_reason(tmp_path, name, make, reason):
    path = make(tmp_path / name)
    with pytest.raises(IngestError) as info:
        load_file(path)
    assert reason in str(info.value)


def test_docx_that_is_a_zip_without_word_parts(tmp_path):
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match=r"not a valid \.docx"):
        load_file(path)


def test_encrypted_pdf(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", POLICY_PAGES)
    locked = make_encrypted_pdf(tmp_path / "locked.pdf", plain)
    with pytest.raises(IngestError, match="encrypted PDF: remove the password"):
        load_file(locked)


def test_owner_only_encryption_opens(tmp_path):
    """PDFs 'protected' only against editing open with an empty password and index."""
    plain = make_pdf(tmp_path / "plain.pdf", POLICY_PAGES)
    locked = make_encrypted_pdf(tmp_path / "owner.pdf", plain, password="")
    assert load_file(locked).pages == 2


def test_huge_file_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)
    with pytest.raises(IngestError, match="over the 1 MB limit"):
        load_file(big, max_bytes=1_000_000)


def test_directory_walk_candidates(tmp_path):
    for name in ["a.pdf", "b.docx", "c.md", "d.doc", "x.meta.yaml", "~$lock.docx", ".hidden.md",
                 "LICENCE", "data.csv"]:
        (tmp_path / name).write_text("x")
    picked = sorted(p.name for p in tmp_path.iterdir() if is_candidate(p))
    assert picked == ["a.pdf", "b.docx", "c.md", "d.doc"]
