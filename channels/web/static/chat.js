// The web chat: asks /api/ask and shows the answer with its sources; where a language model
// writes the answer, its words show as they come, and the checked answer then replaces them.
// Text is always set with textContent, so nothing from a question or a document is ever run
// as HTML.
(function () {
  "use strict";
  const {el, source} = window.GuideDom;
  const post = (url, body) => window.GuideDom.post(url, body, "Guide could not answer just now.");
  const form = document.getElementById("ask");
  const input = document.getElementById("question");
  const conversation = document.getElementById("conversation");
  const STATUS = {
    answered: "Answer", need_more_detail: "Guide needs more detail",
    cannot_answer: "Not covered by the guidance", talk_to_a_person: "Ask a person",
    blocked: "Not processed: personal details",
  };

  function sources(answer) {
    const list = el("ol", "sources");
    const seen = new Map();
    for (const c of answer.citations) {
      let item = seen.get(c.number);
      if (!item) {
        item = source(c);
        seen.set(c.number, item);
        list.append(item);
      }
      item.append(el("blockquote", "quote", c.quote));
    }
    return list;
  }

  function feedback(answer, box) {
    const bar = el("div", "feedback");
    bar.append(el("span", null, "Was this helpful? "));
    const yes = el("button", "vote", "Yes");
    const no = el("button", "vote", "No");
    yes.type = no.type = "button";
    const done = (text) => { bar.replaceChildren(el("span", "thanks", text)); };
    yes.onclick = async () => {
      await post("/api/feedback", {record_id: answer.record_id, helpful: true});
      done("Thanks, glad it helped.");
    };
    no.onclick = async () => {
      await post("/api/feedback", {record_id: answer.record_id, helpful: false});
      const reason = el("input", "reason");
      reason.placeholder = "What was missing or wrong? (optional, no personal details)";
      reason.maxLength = 1000;
      const send = el("button", null, "Send");
      send.type = "button";
      send.onclick = async () => {
        if (reason.value.trim()) {
          await post("/api/feedback", {record_id: answer.record_id, helpful: false,
                                       reason: reason.value});
        }
        done("Thanks, that helps us improve the guidance.");
      };
      bar.replaceChildren(reason, send);
    };
    bar.append(yes, no);
    box.append(bar);
  }

  function show(answer) {
    const box = el("article", "answer " + answer.status);
    box.append(el("div", "status", STATUS[answer.status] || answer.status));
    box.append(el("p", "text", answer.text));
    if (answer.notice) box.append(el("p", "notice", answer.notice));
    if (answer.citations && answer.citations.length) {
      box.append(el("h3", null, "Sources"));
      box.append(sources(answer));
    }
    if (answer.record_id && answer.status !== "blocked") feedback(answer, box);
    conversation.append(box);
    box.scrollIntoView({block: "nearest"});
  }

  // The model's words so far, shown in place of "Looking…" until the answer is ready.
  function drafting(waiting) {
    let box = null;
    return (line) => {
      if (line.text === undefined) return;
      if (!box) {
        box = el("article", "draft");
        box.setAttribute("aria-live", "polite");
        box.append(el("p", "text", ""));
        waiting.replaceWith(box);
      }
      box.firstChild.textContent += line.text;
      box.scrollIntoView({block: "nearest"});
    };
  }

  async function ask(question) {
    conversation.append(el("p", "question", question));
    const waiting = el("p", "waiting", "Looking through the guidance…");
    conversation.append(waiting);
    try {
      if (window.GuideWalk && await window.GuideWalk.start(question, conversation)) return;
      const failed = "Guide could not answer just now.";
      const last = await window.GuideDom.postLines("/api/ask", {question: question}, failed,
                                                   drafting(waiting));
      if (!last.answer) throw new Error(failed);
      show(last.answer);
    } catch (error) {
      const box = el("article", "answer error");
      box.append(el("p", "text", error.message));
      conversation.append(box);
    } finally {
      waiting.remove();
      for (const draft of conversation.querySelectorAll("article.draft")) draft.remove();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
  for (const example of document.querySelectorAll("button.example")) {
    example.addEventListener("click", () => ask(example.textContent));
  }
})();
