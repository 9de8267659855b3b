// A teacher's cahier de textes: a group's homework (`GET notebook/groups/{id}/homework`)
// and, for work asking for a copy, who handed in (`GET …/hand-ins`: on time, late,
// missing) with every copy as one zip (`GET …/hand-ins/zip`).
import { api, download, h, showProblem, when } from "./ent.js";
import { documents } from "./pronote-documents.js";
import { fullDay, mondayOf, today } from "./pronote-format.js";

const STATES = { on_time: ["ok", "Rendu"], late: ["warn", "Rendu en retard"], missing: ["", "Non rendu"] };

function handInTable(list) {
  return h(
    "div",
    { class: "hand-ins" },
    h("p", {}, `${list.on_time} à l'heure, ${list.late} en retard, ${list.missing} non rendu${list.missing > 1 ? "s" : ""}`),
    h(
      "table",
      {},
      h("caption", { class: "sr" }, `Copies rendues : ${list.homework.title}`),
      h("thead", {}, h("tr", {}, ["Élève", "État", "Dernière copie"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        list.students.map((row) => {
          const [kind, text] = STATES[row.status] || ["", row.status];
          return h(
            "tr",
            { dataset: { state: row.status } },
            h("th", { scope: "row" }, row.student.display_name),
            h("td", {}, h("span", { class: `tag ${kind}` }, text)),
            h("td", {}, row.last_copy ? when(row.last_copy.submitted_at) : "—"),
          );
        }),
      ),
    ),
  );
}

function homeworkItem(homework) {
  const base = `/schoollife/notebook/homework/${encodeURIComponent(homework.homework_id)}`;
  const region = h("div", { id: `hand-ins-${homework.homework_id}`, hidden: true, "aria-live": "polite" });
  const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": region.id }, "Voir les copies rendues");
  toggle.addEventListener("click", async () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    region.hidden = !open;
    if (!open) return;
    region.replaceChildren(h("p", { class: "muted" }, "Chargement…"));
    try {
      region.replaceChildren(handInTable(await api(`${base}/hand-ins`)));
    } catch (error) {
      region.replaceChildren();
      showProblem(error);
    }
  });
  const zip = h("button", { type: "button", class: "secondary", onclick: () => download(`${base}/hand-ins/zip`, `copies-${homework.subject}.zip`) }, "Télécharger toutes les copies");
  return h(
    "li",
    { class: "homework", dataset: { homework: homework.homework_id } },
    h("h4", {}, h("span", { class: "subject" }, homework.subject), " — ", homework.title, h("span", { class: "muted" }, ` · pour ${fullDay(homework.due_at)}`)),
    homework.instructions ? h("p", { class: "text" }, homework.instructions) : null,
    documents(homework),
    homework.hand_in ? [h("div", { class: "toolbar" }, toggle, zip), region] : null,
  );
}

async function showGroup(list, groupId) {
  list.setAttribute("aria-busy", "true");
  try {
    const since = mondayOf(today());
    const page = await api(`/schoollife/notebook/groups/${encodeURIComponent(groupId)}/homework?since=${since}`);
    list.replaceChildren(page.items.length ? h("ul", { class: "items" }, page.items.map(homeworkItem)) : h("p", { class: "muted" }, "Aucun travail donné à partir de cette semaine."));
  } catch (error) {
    list.replaceChildren();
    showProblem(error);
  } finally {
    list.removeAttribute("aria-busy");
  }
}

export async function teacherNotebook(container, ctx) {
  const groups = ctx.me.groups_taught || [];
  if (!groups.length) {
    container.replaceChildren(h("p", { class: "muted" }, "Vous n'enseignez dans aucun groupe."));
    return;
  }
  const select = h("select", { id: "cdt-group" }, groups.map((g) => h("option", { value: g.group_id }, g.name)));
  const list = h("div", { class: "work", "aria-live": "polite" });
  select.addEventListener("change", () => showGroup(list, select.value));
  container.replaceChildren(
    h("section", { class: "card", "aria-labelledby": "cdt-work" }, h("h2", { id: "cdt-work" }, "Travail donné"), h("div", { class: "child-switch" }, h("label", { for: "cdt-group" }, "Classe ou groupe"), select), list),
  );
  await showGroup(list, select.value);
}
