// « Emploi du temps »: one week as a grid, days in columns and time slots in rows.
// A student's (or the followed child's) week is `GET timetable/week`, a teacher's
// `GET timetable/teachers/week`; `week` is any date of the week wanted.
import { api, h, $, showProblem, ready } from "./ent.js";
import { addDays, fullDay, hhmm, shortDate, today, mondayOf } from "./pronote-format.js";

let context = null;
let monday = null; // the week shown; null until the first answer says which week "now" is
let wired = false;

// Each change of an occurrence is said in words, so that colour is never the only sign.
function changeNotes(o) {
  const notes = [];
  for (const change of o.changes || []) {
    if (change === "cancelled") notes.push(["warn", o.cancel_reason ? `Cours annulé (${o.cancel_reason})` : "Cours annulé"]);
    if (change === "moved") notes.push(["warn", `Cours déplacé (prévu ${shortDate(o.planned_date)} à ${hhmm(o.original_start || o.start)})`]);
    if (change === "replaced") notes.push(["warn", o.original_teacher ? `Remplacement : ${o.teacher} au lieu de ${o.original_teacher}` : `Remplacement : ${o.teacher}`]);
    if (change === "room_changed") notes.push(["warn", o.original_room ? `Changement de salle (au lieu de ${o.original_room})` : "Changement de salle"]);
  }
  return notes;
}

function lesson(o) {
  const who = context.profile === "teacher" ? o.group : o.teacher;
  return h(
    "div",
    { class: `lesson status-${o.status}`, dataset: { status: o.status, lesson: o.lesson_id } },
    h("strong", { class: "subject" }, o.subject),
    h("span", { class: "detail" }, [who, o.room].filter(Boolean).join(" · ")),
    changeNotes(o).map(([kind, text]) => h("span", { class: `tag ${kind} change` }, text)),
  );
}

function grid(week) {
  const occurrences = week.occurrences || [];
  const hasSunday = occurrences.some((o) => o.date === addDays(week.week, 6));
  const days = Array.from({ length: hasSunday ? 7 : 6 }, (_, n) => addDays(week.week, n));
  const slots = [...new Set(occurrences.map((o) => `${o.start}|${o.end}`))].sort();
  if (!slots.length) return h("p", { class: "muted" }, "Aucun cours cette semaine.");
  const now = today();
  const head = h("tr", {}, h("th", { scope: "col" }, "Horaire"), days.map((d) => h("th", { scope: "col", class: d === now ? "today" : null, "aria-current": d === now ? "date" : null }, fullDay(d))));
  const rows = slots.map((slot) => {
    const [start, end] = slot.split("|");
    return h(
      "tr",
      {},
      h("th", { scope: "row", class: "slot" }, `${hhmm(start)} – ${hhmm(end)}`),
      days.map((d) => h("td", { dataset: { day: d } }, occurrences.filter((o) => o.date === d && o.start === start && o.end === end).map(lesson))),
    );
  });
  return h(
    "div",
    { class: "grid-scroll" },
    h("table", { class: "timetable" }, h("caption", { class: "sr" }, `Emploi du temps, semaine du ${fullDay(week.week)}`), h("thead", {}, head), h("tbody", {}, rows)),
  );
}

async function load() {
  const container = $("#timetable");
  container.setAttribute("aria-busy", "true");
  try {
    const path = context.profile === "teacher" ? "/schoollife/timetable/teachers/week" : "/schoollife/timetable/week";
    const week = await api(`${path}${context.query({ week: monday })}`);
    monday = week.week;
    $("#week-title").textContent = `Semaine du ${fullDay(monday)}`;
    container.replaceChildren(grid(week));
  } catch (error) {
    container.replaceChildren();
    showProblem(error);
  } finally {
    ready(container);
  }
}

function wire() {
  const go = (weeks) => () => {
    monday = addDays(monday || mondayOf(today()), 7 * weeks);
    load();
  };
  $("#week-previous").addEventListener("click", go(-1));
  $("#week-next").addEventListener("click", go(1));
  $("#week-today").addEventListener("click", () => {
    monday = null;
    load();
  });
  wired = true;
}

export function showTimetable(ctx) {
  context = ctx;
  if (!wired) wire();
  load();
}
