// hromada: the little script the pages need. No inline scripts: the CSP forbids them.
"use strict";

document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});

// The desk: after each answer the input is empty and focused, ready for the next card.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.id === "scan") {
    form.reset();
    form.querySelector("input[name=card]")?.focus();
  }
});

// A scanner types fast; keep the focus on the input whatever was clicked last.
document.addEventListener("keydown", (event) => {
  const input = document.querySelector("#scan input[name=card]");
  if (input && document.activeElement !== input && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    input.focus();
  }
});
