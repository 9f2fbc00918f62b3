// Phase rows of the cohort form: "Tambah baris tahap" adds an empty row here without a round trip.
// Without this script the same button asks the server for the form with more rows (it works either way).
(function () {
  "use strict";
  var form = document.getElementById("cohort-form");
  if (!form) { return; }
  var button = form.querySelector('button[name="add_rows"]');
  var body = form.querySelector("#phase-rows tbody");
  var count = form.querySelector('input[name="phase_rows"]');
  if (!button || !body || !count || !body.rows.length) { return; }
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(count.value, 10);
    if (index >= 50) { return; }
    var row = body.rows[body.rows.length - 1].cloneNode(true);
    var from = /phases\.\d+\./g;
    row.querySelectorAll('input[type="hidden"], .field-error').forEach(function (el) { el.remove(); });
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        if (el.hasAttribute(attr)) { el.setAttribute(attr, el.getAttribute(attr).replace(from, "phases." + index + ".")); }
      });
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      if (el.type === "checkbox") { el.checked = false; } else if (el.tagName === "INPUT") { el.value = ""; }
    });
    row.querySelectorAll(".field.invalid").forEach(function (el) { el.classList.remove("invalid"); });
    row.cells[0].firstChild.nodeValue = String(index + 1);
    row.querySelectorAll("label[for], .sr-only").forEach(function (el) {  // "Mulai tahap 3", "Tahap 3 dinilai"
      el.textContent = el.textContent.replace(/(tahap )\d+/i, "$1" + (index + 1));
    });
    body.appendChild(row);
    count.value = String(index + 1);
    var first = row.querySelector('input[type="text"]');
    if (first) { first.focus(); }
  });
}());
