// « Mes transferts »: my transfers still alive (GET /transfer/transfers, cursor pages), each
// with its link, and deleted early after a confirmation (DELETE: the link answers 410 at once).
import { $, api, h, say, showProblem, size, when } from "./ent.js";
import { copyLink } from "./transferts-share.js";

const PAGE = 20;
const SHOWN_PATHS = 3; // a transfer of a whole folder lists its first files, then a count

function files(transfer) {
  const paths = transfer.files.map((f) => f.path);
  const more = paths.length - SHOWN_PATHS;
  return h(
    "td",
    {},
    h("ul", { class: "paths" }, paths.slice(0, SHOWN_PATHS).map((p) => h("li", {}, p))),
    more > 0 ? h("span", { class: "muted" }, `et ${more} autre${more > 1 ? "s" : ""}`) : null,
    transfer.message ? h("p", { class: "muted note" }, transfer.message) : null,
  );
}

function downloads(transfer) {
  const count = transfer.download_limit ? `${transfer.downloads} / ${transfer.download_limit}` : String(transfer.downloads);
  return h("td", {}, count);
}

export class MyTransfers {
  constructor({ onShare }) {
    this.table = $("#mine");
    this.body = $("#mine tbody");
    this.more = $("#mine-more");
    this.cursor = null;
    this.onShare = onShare;
    this.more.addEventListener("click", () => this.load({ append: true }));
    this.dialog = $("#delete-dialog");
  }

  async load({ append = false } = {}) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (append && this.cursor) query.set("cursor", this.cursor);
    try {
      const page = await api(`/transfer/transfers?${query}`);
      const rows = page.items.map((t) => this.row(t));
      if (append) this.body.append(...rows);
      else this.body.replaceChildren(...rows);
      this.cursor = page.next_cursor;
      this.more.hidden = !this.cursor;
      this.shown();
    } catch (error) {
      showProblem(error);
    }
  }

  shown() {
    const any = this.body.children.length > 0;
    this.table.hidden = !any;
    $("#mine-empty").hidden = any;
  }

  row(transfer) {
    const name = transfer.files.length === 1 ? transfer.files[0].path : `${transfer.files.length} fichiers`;
    let link;
    if (transfer.share_url) {
      const input = h("input", { type: "text", readonly: true, value: transfer.share_url, "aria-label": `Lien de ${name}`, class: "link-field" });
      link = h("td", {}, h("div", { class: "link-line" }, input, h("button", { type: "button", class: "secondary", onclick: () => copyLink(input) }, "Copier", h("span", { class: "sr" }, ` le lien de ${name}`))));
    } else {
      link = h("td", {}, h("span", { class: "tag warn" }, "envoi incomplet"));
    }
    const tags = transfer.password_protected ? h("span", { class: "tag" }, "mot de passe") : null;
    return h(
      "tr",
      { dataset: { transferId: transfer.transfer_id } },
      files(transfer),
      h("td", { class: "size" }, size(transfer.total_bytes), tags),
      h("td", {}, h("time", { datetime: transfer.expires_at }, when(transfer.expires_at))),
      downloads(transfer),
      link,
      h(
        "td",
        { class: "actions" },
        transfer.share_url ? h("button", { type: "button", class: "secondary", onclick: () => this.onShare(transfer.transfer_id) }, "Partager", h("span", { class: "sr" }, ` ${name}`)) : null,
        h("button", { type: "button", class: "secondary danger", "data-action": "delete", onclick: (e) => this.confirmDelete(transfer, name, e.currentTarget) }, "Supprimer", h("span", { class: "sr" }, ` ${name}`)),
      ),
    );
  }

  // A native modal <dialog>: focus moves into it, Escape cancels, focus comes back after.
  confirmDelete(transfer, name, button) {
    $("#delete-what").textContent = `${name} (${size(transfer.total_bytes)})`;
    this.dialog.returnValue = "";
    this.dialog.addEventListener(
      "close",
      () => {
        if (this.dialog.returnValue === "delete") this.remove(transfer, name);
        else button.focus();
      },
      { once: true },
    );
    this.dialog.showModal();
  }

  async remove(transfer, name) {
    try {
      await api(`/transfer/transfers/${encodeURIComponent(transfer.transfer_id)}`, { method: "DELETE" });
      this.body.querySelector(`tr[data-transfer-id="${CSS.escape(transfer.transfer_id)}"]`)?.remove();
      this.shown();
      say(`Transfert supprimé : ${name}. Son lien ne fonctionne plus.`);
      $("#mine-title").focus();
    } catch (error) {
      showProblem(error);
    }
  }
}
