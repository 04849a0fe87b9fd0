// Archive page: a running batch's progress and parts, live over Server-Sent Events.
// Without it the page refreshes itself while the batch runs. Text only via textContent.
"use strict";

(() => {
  const box = document.getElementById("run");
  const url = box ? box.dataset.events : "";
  if (!url || !window.EventSource) return;

  const minutes = (seconds) =>
    seconds === null || seconds === undefined ? "—" : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;

  function progress(data) {
    const bar = document.getElementById("run-bar");
    bar.max = Math.max(data.total, 1);
    bar.value = data.done;
    for (const cell of box.querySelectorAll("[data-p]")) {
      const key = cell.dataset.p;
      cell.textContent = key === "eta" ? minutes(data.eta_seconds) : String(data[key]);
    }
    for (const cell of box.querySelectorAll("[data-s]")) {
      cell.textContent = String(data.summary[cell.dataset.s]);
    }
    document.getElementById("run-reading").textContent = data.reading || "";
    box.dataset.state = data.state;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }

  function row(data) {
    if (data.row === "source" && data.status !== "error") return;
    if (document.getElementById(`row-${data.id}`)) return;
    const tr = document.createElement("tr");
    tr.id = `row-${data.id}`;
    tr.dataset.status = data.status;
    const state = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = `badge ${data.status}`;
    badge.textContent = data.label;
    const message = document.createElement("span");
    message.className = "message";
    message.textContent = data.message ? ` ${data.message}` : "";
    state.append(badge, message);
    tr.append(cell(data.file, "name file-name"), cell(data.pages_range), cell(data.dossier_code), state, cell(data.document));
    document.querySelector("#parts tbody").appendChild(tr);
  }

  const events = new EventSource(url);
  events.addEventListener("progress", (event) => progress(JSON.parse(event.data)));
  events.addEventListener("row", (event) => row(JSON.parse(event.data)));
  events.addEventListener("end", () => {
    events.close();
    // The run ended: the page as the server renders it now (final state, any quarantine).
    window.location.reload();
  });
})();
