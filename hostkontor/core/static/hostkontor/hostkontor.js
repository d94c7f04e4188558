// Copy-to-clipboard buttons: <button data-copy="#element-id">. No secrets are kept in JS.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim());
    button.classList.add("btn-success");
  }
});

// The Content-Security-Policy allows no inline handlers or style attributes; these data
// attributes do their work instead.

// <form data-confirm="Really?">: ask before submitting; "Cancel" stops the submit.
document.addEventListener(
  "submit",
  function (event) {
    const form = event.target.closest("[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true
);

// <select data-autosubmit>: submit the form when the choice changes.
document.addEventListener("change", function (event) {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// <button data-conceal="••••">: replace the revealed value around the button by the mask.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-conceal]");
  if (button && button.parentElement) button.parentElement.textContent = button.dataset.conceal;
});

// <div class="progress-bar" data-progress="42">: width from the value (also after htmx swaps).
function applyProgress(root) {
  const bars = root.querySelectorAll ? root.querySelectorAll("[data-progress]") : [];
  const all = root.matches && root.matches("[data-progress]") ? [root, ...bars] : bars;
  all.forEach(function (bar) {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0)) + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () {
  applyProgress(document);
});
document.addEventListener("htmx:load", function (event) {
  applyProgress(event.detail.elt);
});
