// Contract form: choosing a contract type fills in its defaults (fee, unit, interval …)
// and "Open-ended" disables the end date. No external libraries.
document.addEventListener("DOMContentLoaded", function () {
  const form = document.querySelector("[data-testid=contract-form]");
  if (!form) return;
  const openEnd = form.querySelector("[name=open_end]");
  const end = form.querySelector("[name=end]");
  function syncEnd() {
    if (openEnd && end) end.disabled = openEnd.checked;
  }
  if (openEnd) openEnd.addEventListener("change", syncEnd);
  syncEnd();
  const source = document.getElementById("contract-type-defaults");
  const select = form.querySelector("[name=contract_type]");
  if (!source || !select || form.dataset.fillDefaults !== "1") return;
  const defaults = JSON.parse(source.textContent);
  select.addEventListener("change", function () {
    const values = defaults[select.value];
    if (!values) return;
    Object.keys(values).forEach(function (name) {
      const input = form.querySelector("[name=" + name + "]");
      if (input) input.value = values[name];
    });
  });
});
