// What the chat's scripts share: elements made with textContent only (nothing from a question
// or a document is ever run as HTML), JSON posts carrying the CSRF token, and a source's line.
window.GuideDom = (function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function post(url, body, failed) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || failed);
    return data;
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

  return {el, post, source};
})();
