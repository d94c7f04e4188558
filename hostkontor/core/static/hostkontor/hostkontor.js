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
