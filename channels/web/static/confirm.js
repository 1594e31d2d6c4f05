// Every page: ask before a form marked data-confirm is sent, and print on a data-print button.
// The question comes from the attribute (HTML-escaped text), so no data is ever part of a script
// (the Content-Security-Policy allows no inline script or event attributes).
(function () {
  "use strict";
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
})();
