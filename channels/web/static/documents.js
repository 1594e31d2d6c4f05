// The documents page: ask before a removal. The question comes from the form's data-confirm
// attribute (HTML-escaped text), so a document's title is never part of any script.
(function () {
  "use strict";
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
