// hromada: the little script the pages need. No inline scripts: the CSP forbids them.
"use strict";

document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});

// The desk. Each scan is sent with its code fixed at the moment of Enter and the input emptied
// at once, so the next card can be scanned straight away; scans queue (hx-sync on the form) and
// each answer names the end of its card's code. Until the answer comes the old one is gone, so
// that it is never taken for the new card's; if no answer comes, the desk says so in red.
function deskAnswer(kind) {
  const answer = document.getElementById("answer");
  if (!answer) {
    return;
  }
  const box = document.createElement("div");
  box.className = kind === "failed" ? "answer refused" : "answer pending";
  box.dataset.answer = kind;
  const line = document.createElement("div");
  line.className = "sub";
  line.textContent = answer.dataset[kind] || "";
  box.append(line);
  answer.replaceChildren(box);
}

function isScan(event) {
  const form = event.detail && event.detail.elt;
  return form instanceof HTMLFormElement && form.id === "scan";
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== "scan" || !window.htmx) {
    return;
  }
  event.preventDefault();
  const input = form.querySelector("input[name=card]");
  const card = input ? input.value : "";
  form.reset();
  input?.focus();
  deskAnswer("pending");
  window.htmx.ajax("POST", form.action, {
    source: form, target: "#answer", swap: "innerHTML", values: { card },
  });
});

for (const name of ["htmx:responseError", "htmx:sendError", "htmx:timeout"]) {
  document.addEventListener(name, (event) => {
    if (isScan(event)) {
      deskAnswer("failed");
    }
  });
}

document.addEventListener("htmx:afterRequest", (event) => {
  if (isScan(event)) {
    document.querySelector("#scan input[name=card]")?.focus();
  }
});

// A scanner types fast; keep the focus on the input whatever was clicked last.
document.addEventListener("keydown", (event) => {
  const input = document.querySelector("#scan input[name=card]");
  if (input && document.activeElement !== input && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    input.focus();
  }
});
