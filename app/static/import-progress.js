// Polls the import run's JSON (same session) and updates the progress bar until the run ends.
(function () {
  "use strict";
  var box = document.getElementById("import-run");
  if (!box) { return; }
  var labels = {queued: "Menunggu antrean", validating: "Memeriksa baris", importing: "Menulis data",
                done: "Selesai", failed: "Gagal", cancelled: "Dibatalkan"};
  var ended = function (state) { return state === "done" || state === "failed" || state === "cancelled"; };
  if (ended(box.dataset.state)) { return; }
  function poll() {
    fetch(box.dataset.api, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (resp) { return resp.json(); })
      .then(function (run) {
        document.getElementById("run-progress").value = run.progress;
        document.getElementById("run-state").textContent = labels[run.state] || run.state;
        Object.keys(run.rows).forEach(function (key) {
          var cell = box.querySelector('[data-count="' + key + '"]');
          if (cell) { cell.textContent = run.rows[key]; }
        });
        if (ended(run.state)) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
