// « Notes »: a term's grades by subject (`GET grades/by-subject`), with the student's
// average, the class's average, min and max as the API computes them at consultation.
import { api, h, $, showProblem, ready } from "./ent.js";
import { average, number, shortDate } from "./pronote-format.js";

let context = null;
let wired = false;

const MARKERS = { Abs: "Absent", Disp: "Dispensé", NN: "Non noté" };

function gradeText(g) {
  if (g.marker) return MARKERS[g.marker] || g.marker;
  return `${number(g.value)}/${number(g.out_of)}`;
}

// What changes how a grade counts, in words (README "Averages").
function gradeFlags(g) {
  return [g.optional ? "facultative" : null, g.bonus ? "bonus" : null, g.out_of !== 20 && g.brought_to_20 ? "ramenée sur 20" : null].filter(Boolean);
}

function summary(items) {
  return h("dl", { class: "averages" }, items.map(([term, value, cls]) => h("div", { class: cls || null }, h("dt", {}, term), h("dd", {}, value))));
}

function subjectCard(s, n) {
  const title = `subject-${n}`;
  const rows = s.grades.map((g) =>
    h(
      "tr",
      {},
      h("td", {}, shortDate(g.on)),
      h("th", { scope: "row" }, g.title, gradeFlags(g).map((f) => h("span", { class: "tag" }, f))),
      h("td", { class: "grade" }, gradeText(g)),
      h("td", {}, number(g.coefficient)),
      h("td", {}, number(g.class_average)),
      h("td", {}, number(g.class_min)),
      h("td", {}, number(g.class_max)),
    ),
  );
  return h(
    "section",
    { class: "card subject", "aria-labelledby": title, dataset: { subject: s.subject } },
    h("h3", { id: title }, s.subject, s.coefficient !== 1 ? h("span", { class: "muted" }, ` (coef. ${number(s.coefficient)})`) : null),
    summary([
      ["Moyenne de l'élève", average(s.average), "mine"],
      ["Moyenne de la classe", average(s.class_average)],
      ["Moyenne la plus basse", average(s.class_min)],
      ["Moyenne la plus haute", average(s.class_max)],
    ]),
    rows.length
      ? h(
          "table",
          { class: "grades" },
          h("caption", { class: "sr" }, `Notes de ${s.subject}`),
          h("thead", {}, h("tr", {}, ["Date", "Évaluation", "Note", "Coef.", "Moy. classe", "Min.", "Max."].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows),
        )
      : h("p", { class: "muted" }, "Pas de note."),
  );
}

function chooseTerm(page) {
  const select = $("#term");
  select.replaceChildren(...(page.terms || []).map((t) => h("option", { value: t.term_id }, t.name)));
  select.value = page.term.term_id;
}

async function load(termId) {
  const container = $("#grades");
  container.setAttribute("aria-busy", "true");
  try {
    const page = await api(`/schoollife/grades/by-subject${context.query({ term_id: termId })}`);
    chooseTerm(page);
    const subjects = page.subjects || [];
    container.replaceChildren(
      h("h2", { class: "sr" }, `Notes, ${page.term.name}`),
      summary([
        ["Moyenne générale", average(page.overall_average), "mine"],
        ["Moyenne générale de la classe", average(page.class_overall_average)],
      ]),
      subjects.length ? h("div", { class: "subjects" }, subjects.map(subjectCard)) : h("p", { class: "muted" }, "Pas de note sur cette période."),
    );
  } catch (error) {
    container.replaceChildren();
    showProblem(error);
  } finally {
    ready(container);
  }
}

export function showGrades(ctx) {
  context = ctx;
  if (!wired) {
    $("#term").addEventListener("change", (event) => load(event.target.value));
    wired = true;
  }
  // A new child starts on the current term (the API's default), as a first visit does.
  load(null);
}
