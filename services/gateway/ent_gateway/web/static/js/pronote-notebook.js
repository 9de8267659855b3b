// « Cahier de textes »: the work to do by due date (`GET notebook/homework`, paged), each
// with its state and « Déposer ma copie » or « Fait »; the lessons' contents by week
// (`GET notebook/week`). A teacher sees their groups' homework and who handed in.
import { api, h, $, showProblem, ready } from "./ent.js";
import { documents } from "./pronote-documents.js";
import { addDays, fullDay, hhmm, mondayOf, today } from "./pronote-format.js";
import { doneTick, handInForm, stateTags } from "./pronote-handin.js";
import { teacherNotebook } from "./pronote-handins.js";

let context = null;

function homeworkItem(homework) {
  const state = h("p", { class: "state" }, stateTags(homework));
  const refresh = (changed) => state.replaceChildren(...stateTags(changed));
  const mine = context.profile === "student";
  return h(
    "li",
    { class: "homework", dataset: { homework: homework.homework_id, handIn: String(homework.hand_in) } },
    h("h4", {}, h("span", { class: "subject" }, homework.subject), " — ", homework.title),
    homework.instructions ? h("p", { class: "text" }, homework.instructions) : null,
    documents(homework),
    state,
    // Only the student acts; a parent sees where their child stands.
    mine && homework.hand_in ? handInForm(homework, refresh) : null,
    mine && !homework.hand_in ? doneTick(homework, refresh) : null,
  );
}

// Homework arrives by due date: a heading each time the date changes, across pages.
function appendWork(list, items, state) {
  for (const homework of items) {
    const due = homework.due_at.slice(0, 10);
    if (due !== state.lastDue) {
      state.group = h("ul", { class: "items" });
      const time = homework.due_at.slice(11, 16);
      list.append(h("section", { class: "due", dataset: { due } }, h("h3", {}, `Pour ${fullDay(due)}`, time !== "08:00" ? ` à ${hhmm(time)}` : ""), state.group));
      state.lastDue = due;
    }
    state.group.append(homeworkItem(homework));
  }
}

async function loadWork(section) {
  const list = h("div", { class: "work" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Afficher la suite");
  section.replaceChildren(h("h2", { id: "cdt-work" }, "Travail à faire"), list, more);
  // From this week's Monday, so that work due these last days (and a late copy) shows.
  const state = { lastDue: null, group: null, cursor: null };
  const page = async () => {
    more.disabled = true;
    try {
      const answer = await api(`/schoollife/notebook/homework${context.query({ since: mondayOf(today()), cursor: state.cursor })}`);
      appendWork(list, answer.items, state);
      if (!list.children.length) list.append(h("p", { class: "muted" }, "Aucun travail à faire."));
      state.cursor = answer.next_cursor;
      more.hidden = !state.cursor;
    } catch (error) {
      showProblem(error);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", page);
  await page();
}

// The week's buttons stay in place while the list changes, so keyboard focus stays too.
async function loadLessons(section, day) {
  if (!section.dataset.day) {
    const nav = (label, days) => h("button", { type: "button", class: "secondary", onclick: () => loadLessons(section, addDays(section.dataset.day, days)) }, label);
    const title = h("h3", { class: "week-title", "aria-live": "polite" });
    section.replaceChildren(h("h2", { id: "cdt-lessons" }, "Contenu des cours"), h("div", { class: "toolbar" }, nav("Semaine précédente", -7), title, nav("Semaine suivante", 7)), h("div", { class: "lessons" }));
  }
  section.dataset.day = day;
  const title = section.querySelector(".week-title");
  const list = section.querySelector(".lessons");
  section.setAttribute("aria-busy", "true");
  try {
    const week = await api(`/schoollife/notebook/week${context.query({ day })}`);
    title.textContent = `Semaine du ${fullDay(week.starts_on)}`;
    const lessons = week.lessons || [];
    list.replaceChildren(
      lessons.length
        ? h(
            "ul",
            { class: "items" },
            lessons.map((l) => h("li", { class: "lesson-content" }, h("h4", {}, h("span", { class: "subject" }, l.subject), " — ", fullDay(l.lesson_date)), h("p", { class: "text" }, l.content))),
          )
        : h("p", { class: "muted" }, "Aucun contenu de cours saisi cette semaine."),
    );
  } catch (error) {
    showProblem(error);
  } finally {
    ready(section);
  }
}

export async function showNotebook(ctx) {
  context = ctx;
  const container = $("#notebook");
  container.setAttribute("aria-busy", "true");
  try {
    if (ctx.profile === "teacher") {
      await teacherNotebook(container, ctx);
      return;
    }
    const work = h("section", { class: "card", "aria-labelledby": "cdt-work" });
    const lessons = h("section", { class: "card", "aria-labelledby": "cdt-lessons" });
    container.replaceChildren(work, lessons);
    await Promise.all([loadWork(work), loadLessons(lessons, today())]);
  } finally {
    ready(container);
  }
}
