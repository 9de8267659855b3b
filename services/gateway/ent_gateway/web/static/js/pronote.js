// Vie scolaire (Pronote): the week timetable, the cahier de textes, the grades.
// `GET /api/schoollife/me` says whose views these are: a student's own, a parent's chosen
// child (the child switch: every consultation then takes `student_id`), a teacher's week.
import { api, boot, h, $, showProblem, ready } from "./ent.js";
import { showTimetable } from "./pronote-timetable.js";
import { showNotebook } from "./pronote-notebook.js";
import { showGrades } from "./pronote-grades.js";

const VIEWS = { edt: showTimetable, cdt: showNotebook, notes: showGrades };

// What every view needs: who is looking, and for which student.
const context = {
  profile: null,
  me: null,
  studentId: null, // null: the student themself (the API's default)
  // The query string of a consultation: the followed child's id, then the view's own.
  query(extra = {}) {
    const params = new URLSearchParams();
    if (this.studentId) params.set("student_id", this.studentId);
    for (const [name, value] of Object.entries(extra)) if (value) params.set(name, value);
    const text = params.toString();
    return text ? `?${text}` : "";
  },
};

// Views are drawn when their tab is first opened, and again once the child changes.
const drawn = new Set();

function tabs() {
  return [...document.querySelectorAll("#tabs [role=tab]")].filter((tab) => !tab.hidden);
}

// `remember`: a tab the user chose is kept in the address (#notes…), to come back to it.
function select(tab, { focus = false, remember = false } = {}) {
  for (const other of tabs()) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    $(`#${other.getAttribute("aria-controls")}`).hidden = !chosen;
  }
  if (focus) tab.focus();
  const name = tab.dataset.tab;
  if (remember) history.replaceState(null, "", `#${name}`);
  if (!drawn.has(name)) {
    drawn.add(name);
    VIEWS[name](context);
  }
}

function wireTabs() {
  const list = $("#tabs");
  list.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) select(tab, { remember: true });
  });
  // Arrow keys, Home and End move along the tabs (the WAI-ARIA tabs pattern).
  list.addEventListener("keydown", (event) => {
    const all = tabs();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(all[(moves[event.key] + all.length) % all.length], { focus: true, remember: true });
  });
}

function currentTab() {
  return tabs().find((tab) => tab.getAttribute("aria-selected") === "true") || tabs()[0];
}

function followChild(children) {
  const switcher = $("#child");
  switcher.append(...children.map((c) => h("option", { value: c.user_id }, childLabel(c))));
  context.studentId = children[0].user_id;
  $("#child-switch").hidden = children.length < 2;
  switcher.addEventListener("change", () => {
    context.studentId = switcher.value;
    sayWhose(children.find((c) => c.user_id === switcher.value));
    drawn.clear();
    select(currentTab());
  });
  sayWhose(children[0]);
}

function childLabel(child) {
  const classes = (child.classes || []).map((c) => c.name).join(", ");
  return classes ? `${child.display_name} (${classes})` : child.display_name;
}

function sayWhose(child) {
  $("#whose").textContent = child ? `Vie scolaire de ${childLabel(child)}` : "";
}

async function start() {
  const user = boot();
  if (!user) return;
  const root = $("#pronote");
  try {
    const me = await api("/schoollife/me");
    context.me = me;
    context.profile = me.user.profile;
    if (context.profile === "parent") {
      if (!me.children.length) {
        root.replaceChildren(h("p", { class: "notice" }, "Aucun enfant n'est rattaché à votre compte."));
        return;
      }
      followChild(me.children);
    } else if (context.profile === "teacher") {
      // A teacher's grades are entered per class, not consulted per student.
      $("#tab-notes").hidden = true;
    } else if (context.profile !== "student") {
      root.replaceChildren(h("p", { class: "notice" }, "Cette page montre la vie scolaire d'un élève, de ses parents ou d'un enseignant."));
      return;
    }
    wireTabs();
    const asked = () => tabs().find((tab) => `#${tab.dataset.tab}` === location.hash);
    select(asked() || tabs()[0]);
    // A link to #notes (from the home page, say) opens that tab.
    addEventListener("hashchange", () => asked() && select(asked()));
  } catch (error) {
    showProblem(error);
  } finally {
    ready(root);
  }
}

start();
