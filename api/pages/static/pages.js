// Faktura pages: small conveniences on top of plain forms (everything works without them).
"use strict";

// A file chooser fills the form's JSON text: one file as it is, several as a JSON list.
// Its label is the button, in the page's language (the browser's own button and "no file
// chosen" speak the browser's); the chosen files' names are shown beside it.
function enableFileChoosers() {
  document.querySelectorAll("input[type=file][data-fills]").forEach((input) => {
    const label = document.querySelector(`label[for="${input.id}"]`);
    const chosen = document.createElement("span");
    chosen.className = "chosen";
    input.hidden = false;
    if (label) {
      label.hidden = false;
      label.classList.add("chooser");
      input.classList.add("chooser");
      input.after(chosen);
    }
    input.addEventListener("change", async () => {
      chosen.textContent = [...input.files].map((file) => file.name).join(", ");
      const target = document.getElementById(input.dataset.fills);
      const texts = await Promise.all([...input.files].map((file) => file.text()));
      if (!texts.length) return;
      target.value = "asList" in input.dataset ? `[\n${texts.join(",\n")}\n]` : texts[0];
    });
  });
}

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

// A running batch: poll its progress once a second until it is finished.
function followBatch() {
  const box = document.getElementById("batch");
  if (!box || !("running" in box.dataset)) return;
  const label = (key) => box.getAttribute("data-label-" + key) || key;
  const tick = async () => {
    let record;
    try {
      const answer = await fetch(box.dataset.progressUrl, { credentials: "same-origin" });
      if (!answer.ok) return setTimeout(tick, 2000);
      record = await answer.json();
    } catch (error) {
      return setTimeout(tick, 2000);
    }
    document.getElementById("status").textContent = label(record.status);
    document.getElementById("done").textContent = record.done;
    document.getElementById("total").textContent = record.total;
    const bar = document.getElementById("bar");
    bar.max = record.total;
    bar.value = record.done;
    document.getElementById("issued").textContent = record.issued;
    document.getElementById("already").textContent = record.already_issued;
    document.getElementById("failed").textContent = record.failed;
    const body = document.getElementById("results");
    body.replaceChildren();
    for (const r of record.results) {
      const row = body.insertRow();
      cell(row, r.index + 1);
      cell(row, r.source_id || r.name);
      cell(row, label(r.outcome));
      const number = row.insertCell();
      if (r.invoice_number) {
        const link = document.createElement("a");
        link.href = `/archive/${encodeURIComponent(r.invoice_number)}.pdf`;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = r.invoice_number;
        number.append(link);
      }
      cell(row, r.errors.map((e) => (e.field ? e.field + ": " : "") + e.message).join("; "));
    }
    if (record.status === "queued" || record.status === "running") {
      setTimeout(tick, 1000);
    } else if (record.issued + record.already_issued > 0) {
      document.getElementById("print-file").hidden = false;
    }
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  enableFileChoosers();
  followBatch();
});
