// What the chat's scripts share: elements made with textContent only (nothing from a question
// or a document is ever run as HTML), JSON posts carrying the CSRF token (one answer, or a
// stream of JSON lines), and a source's line.
window.GuideDom = (function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function send(url, body, accept) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": accept},
      body: JSON.stringify(body),
    });
  }

  async function post(url, body, failed) {
    const response = await send(url, body, "application/json");
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || failed);
    return data;
  }

  // Each JSON line of the reply goes to onLine as it arrives; the last one is returned.
  async function postLines(url, body, failed, onLine) {
    const response = await send(url, body, "application/x-ndjson");
    if (!response.ok || !response.body) {
      const data = await response.json().catch(() => ({}));
      throw new Error(data.error || failed);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    let last = null;
    for (;;) {
      const {value, done} = await reader.read();
      buffered += decoder.decode(value || new Uint8Array(), {stream: !done});
      const lines = buffered.split("\n");
      buffered = done ? "" : lines.pop();
      for (const line of lines) {
        if (!line.trim()) continue;
        last = JSON.parse(line);
        if (last.error) throw new Error(last.error);
        onLine(last);
      }
      if (done) break;
    }
    if (!last) throw new Error(failed);
    return last;
  }

  // A numbered source: title, then version, page and section, and a review warning.
  function source(c) {
    const item = el("li");
    item.value = c.number;
    const where = [c.version ? "version " + c.version : "", c.page ? "page " + c.page : "",
                   c.heading_path || ""].filter(Boolean).join(" · ");
    item.append(el("strong", "title", c.title));
    if (where) item.append(el("span", "where", " — " + where));
    if (c.warning) item.append(el("div", "stale", "Warning: " + c.warning));
    return item;
  }

  return {el, post, postLines, source};
})();
