// The home page: one call (GET /api/home) gives every block of the screen.
import { api, boot, h, $, day, when, personName, showProblem, ready, setUnreadBadge } from "./ent.js";

const TITLES = {
  messages: "Derniers messages",
  casier: "Casier",
  homework: "Travail à faire cette semaine",
  lessons: "Cours du jour",
  grades: "Dernières notes",
  agenda: "Agenda",
};

const list = (items, render, empty) =>
  items && items.length ? h("ul", { class: "items" }, items.map((item) => h("li", {}, render(item)))) : h("p", { class: "muted" }, empty);

const number = (value) => Number(value).toLocaleString("fr-FR", { maximumFractionDigits: 2 });
const hour = (time) => (time || "").slice(0, 5).replace(":", "h");
const LESSON_STATUS = { cancelled: "Annulé", moved: "Déplacé", replaced: "Remplacé", room_changed: "Changement de salle" };

const RENDER = {
  messages: (b) => [
    h("p", {}, h("a", { href: "/messagerie" }, b.unread > 1 ? `${b.unread} messages non lus` : `${b.unread} message non lu`)),
    list(b.latest, (m) => [m.read ? h("span", {}, m.subject || "(sans objet)") : h("strong", {}, m.subject || "(sans objet)"), " — ", m.sender_name || "", " ", h("span", { class: "muted" }, when(m.sent_at))], "Aucun message."),
  ],
  casier: (b) => list(b.latest, (d) => [h("a", { href: "/casier" }, d.file_name), " ", h("span", { class: "muted" }, `de ${d.sender_name || ""}, ${when(d.deposited_at)}`)], "Aucun document reçu."),
  homework: (b) => [
    h("p", {}, `${b.to_do} à faire, ${b.done} fait${b.done > 1 ? "s" : ""}`),
    list(b.items, (w) => [h("strong", {}, w.subject), " ", w.title, " ", h("span", { class: "muted" }, `pour ${day(w.due_at)}`), w.status && w.status.done ? h("span", { class: "tag ok" }, "Fait") : h("span", { class: "tag" }, "À faire")], "Rien à faire cette semaine."),
  ],
  lessons: (b) => list(b.occurrences, (o) => [h("span", { class: "time" }, `${hour(o.start)}–${hour(o.end)}`), " ", h("strong", {}, o.subject), " ", o.room || "", o.teacher ? h("span", { class: "muted" }, ` ${o.teacher}`) : null, LESSON_STATUS[o.status] ? h("span", { class: "tag warn" }, LESSON_STATUS[o.status]) : null], "Pas de cours aujourd'hui."),
  grades: (b) => list(b.items, (g) => [h("strong", {}, g.subject), " ", g.title, " : ", h("span", { class: "grade" }, g.value !== null && g.value !== undefined ? `${number(g.value)}/${number(g.out_of)}` : g.marker || "")], "Pas de note récente."),
  agenda: (b) => list(b.items, (a) => [h("span", { class: "muted" }, `${day(a.starts_at)} ${hour((a.starts_at || "").slice(11))}`), " ", h("strong", {}, a.title), a.place ? ` — ${a.place}` : ""], "Rien à l'agenda."),
};

function block(name, data) {
  if (!data || data.status === "hidden") return null;
  const body = data.status === "ok" ? RENDER[name](data) : h("p", { class: "muted" }, "Indisponible pour le moment.");
  return h("section", { class: `card block block-${name}`, "aria-labelledby": `title-${name}`, dataset: { block: name, status: data.status } }, h("h2", { id: `title-${name}` }, TITLES[name] || name), body);
}

function blocks(all) {
  return Object.entries(all || {}).map(([name, data]) => block(name, data)).filter(Boolean);
}

async function show(studentId) {
  const container = $("#home");
  container.setAttribute("aria-busy", "true");
  try {
    const page = await api(studentId ? `/home?student_id=${encodeURIComponent(studentId)}` : "/home");
    const parts = blocks(page.blocks);
    for (const child of page.children || []) {
      parts.push(h("h2", { class: "child-name" }, child.display_name), h("div", { class: "blocks", dataset: { child: child.student_id } }, blocks(child.blocks)));
    }
    container.replaceChildren(...parts);
    if (page.blocks && page.blocks.messages && page.blocks.messages.status === "ok") setUnreadBadge(page.blocks.messages.unread);
    return page;
  } catch (error) {
    showProblem(error);
    return null;
  } finally {
    ready(container);
  }
}

async function start() {
  if (!boot()) return;
  const page = await show(null);
  const children = page && page.children ? page.children : [];
  if (children.length > 1) {
    const select = $("#child");
    select.append(...children.map((c) => h("option", { value: c.student_id }, c.display_name)));
    select.addEventListener("change", () => show(select.value || null));
    $("#child-switch").hidden = false;
  }
}

start();
