// sohoa web app: small progressive helpers; every page works without them.
"use strict";

// A form with data-confirm asks before it is sent (disable an account, revoke a key).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A button with data-copy="ID" copies that element's text (a new API key).
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copy || "");
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent || "").catch(() => {});
  }
});
