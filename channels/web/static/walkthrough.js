// Walkthroughs in the web chat: "walk me through ..." shows a procedure from the guidance one
// step at a time, each step quoted with its source, with Done / Stuck (then the step's own
// guidance and "Ask a person"). Each press is recorded by /api/walk/step. Text is always set
// with textContent, so nothing from a question or a document is ever run as HTML.
(function () {
  "use strict";
  const {el, source} = window.GuideDom;
  const post = (url, body) => window.GuideDom.post(url, body, "Guide could not record that just now.");

  function button(text, cls) {
    const b = el("button", cls, text);
    b.type = "button";
    return b;
  }

  function quote(c) {
    const q = el("blockquote", "quote", c.quote + " ");
    q.append(el("sup", "marker", "[" + c.number + "]"));
    return q;
  }

  function sources(walk) {
    const list = el("ol", "sources");
    const seen = new Set();
    const all = [...walk.intro, ...walk.steps.flatMap((s) => [s.citation, ...s.guidance]),
                 ...walk.notes];
    for (const c of all) {
      if (seen.has(c.number)) continue;
      seen.add(c.number);
      list.append(source(c));
    }
    return list;
  }

  function show(walk, conversation) {
    const box = el("article", "answer walkthrough");
    box.append(el("div", "status", "Walkthrough"));
    box.append(el("h2", "walk-name", walk.name));
    box.append(el("p", "walk-from", walk.steps.length + " steps, from " + walk.title));
    for (const c of walk.intro) box.append(quote(c));
    const steps = el("ol", "steps");
    box.append(steps);
    const end = el("div", "walk-end");
    box.append(end);
    box.append(el("h3", null, "Sources"));
    box.append(sources(walk));
    if (walk.others && walk.others.length) {
      box.append(el("p", "notice", "Also in the guidance: " +
                    walk.others.map((o) => o.name).join("; ") + "."));
    }
    conversation.append(box);

    const send = (step, action) => post("/api/walk/step", {
      walk_id: walk.walk_id, procedure_id: walk.procedure_id,
      fingerprint: walk.fingerprint, step: step.number, action: action});

    function failed(item, error) {
      item.append(el("p", "error", error.message));
    }

    function finish() {
      end.append(el("p", "finished", walk.messages.finished));
      for (const c of walk.notes) end.append(quote(c));
    }

    function open(index) {
      const step = walk.steps[index];
      const item = el("li", "step current");
      item.value = step.number;
      item.append(el("div", "step-of", "Step " + step.number + " of " + walk.steps.length));
      item.append(quote(step.citation));
      const bar = el("div", "walk-actions");
      const done = button("Done", "walk-done");
      const stuck = button("Stuck", "walk-stuck");
      bar.append(done, stuck);
      item.append(bar);
      steps.append(item);
      item.scrollIntoView({block: "nearest"});

      done.onclick = async () => {
        try {
          await send(step, "done");
        } catch (error) { failed(item, error); return; }
        item.className = "step done";
        bar.remove();
        if (index + 1 < walk.steps.length) open(index + 1); else finish();
      };
      stuck.onclick = async () => {
        try {
          await send(step, "stuck");
        } catch (error) { failed(item, error); return; }
        stuck.remove();
        const help = el("div", "guidance");
        const extra = step.guidance.length ? step.guidance : walk.notes;
        help.append(el("p", null, extra.length ? walk.messages.stuck
                                               : walk.messages.no_guidance));
        for (const c of extra) help.append(quote(c));
        help.append(el("p", "notice", walk.messages.ask_person));
        item.insertBefore(help, bar);
        const person = button("Ask a person", "walk-ask-person");
        bar.append(person);
        person.onclick = async () => {
          try {
            const reply = await send(step, "ask_person");
            person.replaceWith(el("p", "contact", reply.text));
          } catch (error) { failed(item, error); }
        };
      };
    }

    open(0);
    return box;
  }

  // Shows a walkthrough when the question asks for one the guidance has; false otherwise
  // (the chat then asks it as a question).
  async function start(question, conversation) {
    const walk = await post("/api/walk", {question: question});
    if (walk.status !== "found") return false;
    show(walk, conversation);
    return true;
  }

  window.GuideWalk = {start: start};
})();
