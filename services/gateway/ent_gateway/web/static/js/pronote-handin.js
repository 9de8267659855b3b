// A homework's state for the student, and what the student does about it: « Déposer ma
// copie » (`POST notebook/homework/{id}/copies`, multipart with one `file` part) where a copy
// is asked, else the « Fait » tick (`PUT notebook/homework/{id}/done`).
import { api, upload, h, showProblem, clearProblem, when, size } from "./ent.js";

const MAX_BYTES = 10 * 1024 * 1024;
const ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,application/pdf,image/jpeg,image/png,image/heic";
const EXTENSIONS = /\.(pdf|jpe?g|png|heic)$/i;

// The state in words (colour is only a second sign): Rendu / En retard / Non rendu / Fait.
export function stateTags(homework) {
  const status = homework.status;
  if (!status) return [];
  if (homework.hand_in) {
    if (status.copies > 0) {
      return [
        h("span", { class: "tag ok", dataset: { state: "handed-in" } }, "Rendu"),
        h("span", { class: "muted" }, ` le ${when(status.last_submitted_at)}`),
        status.late ? h("span", { class: "tag warn", dataset: { state: "late" } }, "En retard") : null,
      ];
    }
    const overdue = new Date(homework.due_at) < new Date();
    return [overdue ? h("span", { class: "tag warn", dataset: { state: "missing" } }, "Non rendu") : h("span", { class: "tag", dataset: { state: "to-hand-in" } }, "Copie à rendre")];
  }
  return [status.done ? h("span", { class: "tag ok", dataset: { state: "done" } }, "Fait") : h("span", { class: "tag", dataset: { state: "to-do" } }, "À faire")];
}

// Checked in the browser first so that a wrong file is not sent in full; the server
// still decides (it reads the type from the file's first bytes).
function refusal(file) {
  if (!file) return "Choisissez le fichier de votre copie.";
  if (file.size > MAX_BYTES) return `Le fichier fait ${size(file.size)} : 10 Mo au plus.`;
  if (!EXTENSIONS.test(file.name)) return "Une copie est une photo (JPEG, PNG, HEIC) ou un PDF.";
  return null;
}

export function handInForm(homework, onChange) {
  const id = `copy-${homework.homework_id}`;
  const input = h("input", { type: "file", id, name: "file", accept: ACCEPT, "aria-describedby": `${id}-hint` });
  const button = h("button", { type: "submit" }, "Déposer ma copie");
  const progress = h("progress", { max: "100", value: "0", hidden: true, "aria-label": "Envoi de la copie" });
  const status = h("p", { class: "form-status", "aria-live": "polite" });
  const problems = h("div", { class: "form-problem" });
  const form = h(
    "form",
    { class: "handin", dataset: { homework: homework.homework_id } },
    h("label", { for: id }, "Ma copie"),
    h("p", { id: `${id}-hint`, class: "muted hint" }, "Une photo (JPEG, PNG, HEIC) ou un PDF, 10 Mo au plus. Vous pouvez en déposer une nouvelle : la dernière compte."),
    h("div", { class: "toolbar" }, input, button),
    progress,
    status,
    problems,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(problems);
    input.removeAttribute("aria-invalid");
    const file = input.files[0];
    const refused = refusal(file);
    if (refused) {
      input.setAttribute("aria-invalid", "true");
      showProblem(new Error(refused), { region: problems });
      input.focus();
      return;
    }
    const body = new FormData();
    body.append("file", file);
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Envoi de ${file.name}…`;
    try {
      const { body: copy } = await upload(`/schoollife/notebook/homework/${encodeURIComponent(homework.homework_id)}/copies`, {
        body,
        onProgress: (sent, total) => {
          progress.value = Math.round((sent / total) * 100);
        },
      });
      homework.status = { ...homework.status, done: true, copies: homework.status.copies + 1, last_submitted_at: copy.submitted_at, late: copy.late };
      status.textContent = `Copie rendue le ${when(copy.submitted_at)}${copy.late ? " (en retard)" : ""}.`;
      form.reset();
      onChange(homework);
    } catch (error) {
      // The file stays chosen: the student may send it again as it is.
      status.textContent = "";
      showProblem(error, { region: problems, form });
    } finally {
      button.disabled = false;
      progress.hidden = true;
    }
  });
  return form;
}

export function doneTick(homework, onChange) {
  const id = `done-${homework.homework_id}`;
  const box = h("input", { type: "checkbox", id, name: "done", checked: homework.status.done });
  const problems = h("div", { class: "form-problem" });
  box.addEventListener("change", async () => {
    clearProblem(problems);
    box.disabled = true;
    try {
      homework.status = await api(`/schoollife/notebook/homework/${encodeURIComponent(homework.homework_id)}/done`, { method: "PUT", json: { done: box.checked } });
      onChange(homework);
    } catch (error) {
      box.checked = !box.checked;
      showProblem(error, { region: problems });
    } finally {
      box.disabled = false;
    }
  });
  return h("div", { class: "done-tick" }, h("div", { class: "check" }, box, h("label", { for: id }, "Fait")), problems);
}
