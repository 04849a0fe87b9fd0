// Counter page: code lookup on Enter (a QR reader types and presses Enter), drag and drop,
// and live job status over Server-Sent Events. The page works without it (plain form,
// refresh). Untrusted text (file names, messages) is only ever set with textContent,
// or arrives inside markup the server's autoescaped templates rendered (the hot-folder list).
"use strict";

(() => {
  const code = document.getElementById("code");
  const status = document.getElementById("code-status");
  const sheets = document.getElementById("sheets");

  if (code && status) {
    code.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      fetch(`/counter/code?text=${encodeURIComponent(code.value)}`, { credentials: "same-origin" })
        .then((answer) => answer.json().then((data) => ({ ok: answer.ok, data })))
        .then(({ ok, data }) => {
          status.className = ok ? "good" : "bad";
          if (ok) {
            code.value = data.code;
            status.textContent = "✓ " + data.code;
            if (sheets) sheets.focus();
          } else {
            status.textContent = data.error || "";
            code.select();
          }
        })
        .catch(() => { status.textContent = ""; });
    });
  }

  const input = document.getElementById("files");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");

  function listChosen() {
    if (!input || !chosen) return;
    chosen.replaceChildren();
    for (const file of input.files || []) {
      const item = document.createElement("li");
      item.className = "file-name";
      item.textContent = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      chosen.appendChild(item);
    }
  }

  if (input && drop) {
    input.addEventListener("change", listChosen);
    for (const name of ["dragenter", "dragover"]) {
      drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
    }
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        listChosen();
      }
    });
  }

  // The scanner's hot-folder list: the server renders it again (autoescaped template)
  // whenever it changes, and it replaces the list here; the focused File button keeps
  // the focus, so a keyboard user is not thrown back to the top of the page.
  const hot = document.getElementById("hot-folder");
  if (hot && hot.dataset.events && window.EventSource) {
    const hotEvents = new EventSource(hot.dataset.events);
    hotEvents.addEventListener("hot", (event) => {
      const data = JSON.parse(event.data);
      const focused = hot.contains(document.activeElement) ? document.activeElement.value : null;
      const parsed = new DOMParser().parseFromString(`<body>${data.html}</body>`, "text/html");
      hot.replaceChildren(...parsed.body.childNodes);
      hot.dataset.live = "on";
      if (focused) {
        const again = [...hot.querySelectorAll("button[name=hot]")].find((b) => b.value === focused);
        if (again) again.focus();
      }
    });
  }

  const table = document.getElementById("jobs");
  const url = table ? table.dataset.events : "";
  if (!url || !window.EventSource) return;

  function show(row, data) {
    row.dataset.state = data.state;
    const badge = row.querySelector(".badge");
    badge.className = `badge ${data.state}`;
    badge.textContent = data.label;
    row.querySelector(".progress").textContent =
      data.state === "ocr" && data.pages_total ? `${data.pages_done}/${data.pages_total}` : "";
    row.querySelector(".message").textContent = data.message || "";
    const documentCell = row.querySelector(".job-doc");
    documentCell.replaceChildren();
    if (data.document) {
      const link = document.createElement("a");
      link.href = data.dossier_url;
      link.textContent = data.document;
      documentCell.appendChild(link);
    }
    const pages = row.querySelector(".pages");
    const thumbs = document.createElement("span");
    thumbs.className = "page-thumbs";
    (data.thumbs || []).forEach((src, index) => {
      if (!src.startsWith("/")) return;
      const image = document.createElement("img");
      image.src = src;
      image.alt = `${index + 1}`;
      image.loading = "lazy";
      thumbs.appendChild(image);
    });
    pages.replaceChildren(document.createTextNode(data.document ? String(data.content_pages) : ""), thumbs);
  }

  function reconcile(data) {
    const box = document.getElementById("reconciliation");
    if (!box) return;
    for (const cell of box.querySelectorAll("[data-count]")) {
      cell.textContent = String(data[cell.dataset.count]);
    }
    document.getElementById("recon-ok").hidden = !data.matches;
    document.getElementById("recon-bad").hidden = data.matches;
    document.getElementById("recon-warning").textContent = data.warning;
    box.hidden = false;
  }

  const events = new EventSource(url);
  events.addEventListener("job", (event) => {
    const data = JSON.parse(event.data);
    const row = document.getElementById(`job-${data.id}`);
    if (row) show(row, data);
  });
  events.addEventListener("reconciliation", (event) => reconcile(JSON.parse(event.data)));
  events.addEventListener("end", () => {
    events.close();
    table.dataset.live = "ended";
  });
})();
