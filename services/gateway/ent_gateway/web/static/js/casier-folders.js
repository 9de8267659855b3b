// The three folders (Mon casier, Historique, Corbeille): cursor pages newest first, « Voir
// plus », and the selection the actions work on (kept across pages, cleared on a new folder).
import { api, h, $, showProblem, clearProblem, size, when } from "./ent.js";
import { nameOf, downloadDocument } from "./casier-files.js";

export const FOLDERS = {
  recus: { path: "/locker/received", title: "Mon casier", people: "De" },
  historique: { path: "/locker/history", title: "Historique", people: "Destinataires" },
  corbeille: { path: "/locker/trash", title: "Corbeille", people: "De / Pour" },
};
const PAGE_SIZE = 50;
const SHOWN_NAMES = 3; // beyond, « et N autres »: a class is 30 names

export class FolderView {
  constructor({ me, onNewVersion }) {
    this.me = me;
    this.onNewVersion = onNewVersion;
    this.name = "recus";
    this.entries = new Map();
    this.selected = new Set();
    this.cursor = null;
    this.body = $("#documents tbody");
    this.problem = $("#folder-problem");
    this.selectAll = $("#select-all");
    this.selectAll.addEventListener("change", () => this.toggleAll(this.selectAll.checked));
    $("#more").addEventListener("click", async () => {
      const before = this.entries.size;
      await this.loadPage();
      // The button may be gone (last page): the keyboard goes on to the first new document.
      this.body.rows[before]?.querySelector("input")?.focus();
    });
  }

  async open(name) {
    this.name = name;
    const folder = FOLDERS[name];
    $("#folder-title").textContent = folder.title;
    $("#documents-caption").textContent = `Documents du dossier ${folder.title}`;
    $("#people-header").textContent = folder.people;
    for (const button of document.querySelectorAll("#folder [data-in]")) button.hidden = !button.dataset.in.split(" ").includes(name);
    await this.reload();
  }

  async reload() {
    this.entries.clear();
    this.selected.clear();
    this.cursor = null;
    this.body.replaceChildren();
    clearProblem(this.problem);
    await this.loadPage();
  }

  async loadPage() {
    const folder = FOLDERS[this.name];
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.cursor) params.set("cursor", this.cursor);
    const more = $("#more");
    more.disabled = true;
    try {
      const page = await api(`${folder.path}?${params}`);
      for (const entry of page.items) {
        this.entries.set(entry.document_id, entry);
        this.body.append(this.row(entry));
      }
      this.cursor = page.next_cursor;
      more.hidden = !page.next_cursor;
      $("#folder-empty").hidden = this.entries.size > 0;
      this.changed();
    } catch (error) {
      showProblem(error, { region: this.problem });
    } finally {
      more.disabled = false;
    }
  }

  row(entry) {
    const id = `pick-${entry.document_id}`;
    const box = h("input", { type: "checkbox", id, value: entry.document_id, onchange: (e) => this.toggle(entry.document_id, e.target.checked) });
    return h(
      "tr",
      { "data-document-id": entry.document_id },
      h("td", {}, box, h("label", { for: id, class: "sr" }, `Sélectionner ${entry.file_name}`)),
      h(
        "td",
        {},
        h(
          "button",
          { type: "button", class: "link name", "data-name": entry.file_name, onclick: () => downloadDocument(entry, this.problem) },
          entry.file_name,
          h("span", { class: "sr" }, " (télécharger)"),
        ),
        entry.previous_version_id ? h("span", { class: "tag" }, "nouvelle version") : null,
        entry.folder === "history" && entry.state === "active"
          ? h("div", {}, h("button", { type: "button", class: "link new-version", onclick: () => this.onNewVersion(entry) }, "Déposer une nouvelle version", h("span", { class: "sr" }, ` de ${entry.file_name}`)))
          : null,
      ),
      h("td", { class: "people" }, this.people(entry)),
      h("td", {}, size(entry.size)),
      h("td", {}, h("time", { datetime: entry.deposited_at }, when(entry.deposited_at)), entry.trashed_at ? h("div", { class: "muted" }, `corbeille : ${when(entry.trashed_at)}`) : null),
    );
  }

  // Who: the sender of what I received, the recipients of what I deposited (names looked up
  // in the directory, the id kept when it does not answer).
  people(entry) {
    const mine = entry.sender_id === this.me.user_id;
    if (!mine) return entry.sender_name;
    const ids = entry.recipient_ids || [];
    const cell = h("span", {}, "Pour : ");
    ids.slice(0, SHOWN_NAMES).forEach((id, i) => {
      const span = h("span", {}, "…");
      cell.append(i ? ", " : "", span);
      nameOf(id).then((name) => (span.textContent = name));
    });
    if (ids.length > SHOWN_NAMES) cell.append(` et ${ids.length - SHOWN_NAMES} autre${ids.length - SHOWN_NAMES > 1 ? "s" : ""}`);
    return cell;
  }

  toggle(documentId, on) {
    if (on) this.selected.add(documentId);
    else this.selected.delete(documentId);
    this.changed();
  }

  toggleAll(on) {
    for (const box of this.body.querySelectorAll("input[type=checkbox]")) {
      box.checked = on;
      this.toggle(box.value, on);
    }
  }

  // The selection's state, shown and announced; actions wait for a selection.
  changed() {
    const count = this.selected.size;
    for (const tr of this.body.rows) tr.classList.toggle("selected", this.selected.has(tr.dataset.documentId));
    this.selectAll.checked = count > 0 && count === this.entries.size;
    this.selectAll.indeterminate = count > 0 && count < this.entries.size;
    $("#selection-status").textContent = count
      ? `${count} document${count > 1 ? "s" : ""} sélectionné${count > 1 ? "s" : ""}.`
      : "Aucun document sélectionné.";
    for (const button of document.querySelectorAll("#folder [data-action]")) button.disabled = count === 0;
  }

  selection() {
    return [...this.selected];
  }

  nameOfEntry(documentId) {
    return this.entries.get(documentId)?.file_name || documentId;
  }
}
