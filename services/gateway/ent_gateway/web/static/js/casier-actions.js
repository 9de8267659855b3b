// The actions on a selection: trash, restore, definitive delete (confirmed), zip download and
// « Copier dans Mes documents ». The locker answers each id as done, unchanged, not_found
// or refused: the user is told all of it, by name.
import { api, h, $, showProblem, clearProblem, say } from "./ent.js";
import { downloadZip } from "./casier-files.js";

const VERBS = {
  trash: { done: "mis à la corbeille", unchanged: "déjà dans la corbeille", refused: "refusé" },
  restore: { done: "restauré", unchanged: "pas dans la corbeille", refused: "refusé" },
  delete: { done: "supprimé définitivement", unchanged: "déjà supprimé", refused: "pas dans la corbeille, donc pas supprimé" },
};

function documents(count) {
  return `${count} document${count > 1 ? "s" : ""}`;
}

function agreed(verb, count) {
  // The participle agrees with « documents »: « restaurés », « mis » stays « mis ».
  if (count < 2) return verb;
  const [first, ...rest] = verb.split(" ");
  return [first.endsWith("s") ? first : `${first}s`, ...rest].join(" ");
}

export class SelectionActions {
  constructor(folders) {
    this.folders = folders;
    this.problem = $("#folder-problem");
    for (const button of document.querySelectorAll("#folder [data-action]")) {
      button.addEventListener("click", () => this.run(button.dataset.action, button));
    }
    this.copyDialog = $("#copy-dialog");
    $("#copy-form").addEventListener("submit", (e) => {
      if (e.submitter?.value === "copy") {
        e.preventDefault(); // the dialog stays open until the copy is done (or refused)
        this.copy();
      }
    });
    $("#new-folder-create").addEventListener("click", () => this.createFolder());
    $("#new-folder").addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault(); // Enter here creates the folder; it does not copy
        this.createFolder();
      }
    });
  }

  async run(action, button) {
    const ids = this.folders.selection();
    if (!ids.length) return;
    clearProblem(this.problem);
    if (action === "copy") return this.openCopy(button);
    if (action === "delete" && !(await this.confirmDelete(ids))) return button.focus();
    button.disabled = true;
    try {
      if (action === "download") {
        await downloadZip(ids);
        say(`${documents(ids.length)} téléchargé${ids.length > 1 ? "s" : ""} (casier.zip).`);
      } else {
        const result = await api(`/locker/documents/${action}`, { method: "POST", json: { document_ids: ids } });
        this.tell(action, result);
        await this.folders.reload();
        // The button is now disabled (nothing selected): keep the keyboard in the toolbar.
        $("#select-all").focus();
      }
    } catch (error) {
      showProblem(error, { region: this.problem });
    } finally {
      button.disabled = this.folders.selection().length === 0;
    }
  }

  tell(action, result) {
    const verbs = VERBS[action];
    const done = result.done.length;
    const others = [
      ...result.unchanged.map((id) => [id, verbs.unchanged]),
      ...result.not_found.map((id) => [id, "introuvable"]),
      ...(result.refused || []).map((id) => [id, verbs.refused]),
    ];
    const line = done ? `${documents(done)} ${agreed(verbs.done, done)}.` : "Aucun document modifié.";
    if (!others.length) return say(line);
    clearProblem();
    this.problem.replaceChildren(
      h(
        "div",
        { class: "problem" },
        h("p", {}, line),
        h("ul", {}, others.map(([id, why]) => h("li", {}, `${this.folders.nameOfEntry(id)} : ${why}`))),
      ),
    );
  }

  confirmDelete(ids) {
    const dialog = $("#delete-dialog");
    $("#delete-text").textContent =
      ids.length > 1
        ? `Les ${ids.length} documents sélectionnés seront supprimés pour de bon : ils ne pourront plus être restaurés.`
        : `« ${this.folders.nameOfEntry(ids[0])} » sera supprimé pour de bon : il ne pourra plus être restauré.`;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // --- « Copier dans Mes documents » ----------------------------------------------------
  async openCopy(button) {
    this.copyOpener = button;
    clearProblem($("#copy-problem"));
    $("#new-folder").value = "";
    this.copyDialog.addEventListener("close", () => this.copyOpener?.focus(), { once: true });
    // The folders first: the dialog then opens with the focus on the checked one (the root).
    await this.loadTree(null);
    this.copyDialog.showModal();
  }

  async loadTree(checked) {
    const list = $("#copy-folders");
    try {
      const tree = await api("/locker/workspace/folders/tree");
      const choice = (folder, child) => {
        const id = `copy-to-${folder ? folder.folder_id : "root"}`;
        const value = folder ? folder.folder_id : "";
        return h(
          "li",
          { class: child ? "child" : null },
          h("input", { type: "radio", name: "folder", id, value, checked: value === (checked || "") }),
          h("label", { for: id }, folder ? folder.name : "Mes documents (racine)"),
        );
      };
      list.replaceChildren(
        choice(null, false),
        ...tree.folders.flatMap((f) => [choice(f, false), ...f.children.map((c) => choice(c, true))]),
      );
    } catch (error) {
      showProblem(error, { region: $("#copy-problem") });
    }
  }

  chosenFolder() {
    return $("#copy-folders input[name=folder]:checked")?.value || null;
  }

  async createFolder() {
    const input = $("#new-folder");
    const region = $("#copy-problem");
    clearProblem(region);
    input.removeAttribute("aria-invalid");
    try {
      const folder = await api("/locker/workspace/folders", {
        method: "POST",
        json: { name: input.value.trim(), parent_id: this.chosenFolder() },
      });
      input.value = "";
      await this.loadTree(folder.folder_id);
      say(`Dossier « ${folder.name} » créé.`, region);
      $(`#copy-to-${CSS.escape(folder.folder_id)}`)?.focus();
    } catch (error) {
      showProblem(error, { region, form: $("#copy-form") });
    }
  }

  async copy() {
    const ids = this.folders.selection();
    const region = $("#copy-problem");
    const submit = $("#copy-submit");
    const folderId = this.chosenFolder();
    const where = folderId ? `« ${$(`label[for="copy-to-${CSS.escape(folderId)}"]`).textContent} »` : "Mes documents";
    submit.disabled = true;
    try {
      const copied = await api("/locker/workspace/copy-from-locker", {
        method: "POST",
        json: { document_ids: ids, folder_id: folderId },
      });
      this.copyDialog.close();
      const count = copied.items.length;
      say(`${documents(count)} copié${count > 1 ? "s" : ""} dans ${where}.`);
    } catch (error) {
      showProblem(error, { region, form: $("#copy-form") });
    } finally {
      submit.disabled = false;
    }
  }
}
