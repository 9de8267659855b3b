// Small formats shared by the Vie scolaire views: times, dates, numbers, in French.

// "08:30:00" → "08h30" (the API's wall-clock times are the school's).
export function hhmm(time) {
  return time ? time.slice(0, 5).replace(":", "h") : "";
}

// ISO dates are handled at noon UTC so that adding days never trips on a clock change.
export function addDays(iso, days) {
  const date = new Date(`${iso.slice(0, 10)}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

// Today, in the browser's calendar (the school's, for its users).
export function today() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

export function mondayOf(iso) {
  const weekday = (new Date(`${iso}T12:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(iso, -weekday);
}

const longDay = new Intl.DateTimeFormat("fr-FR", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
const shortDay = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

export function fullDay(iso) {
  return longDay.format(new Date(`${iso.slice(0, 10)}T12:00:00Z`));
}

export function shortDate(iso) {
  return shortDay.format(new Date(`${iso.slice(0, 10)}T12:00:00Z`));
}

// An average as the README says it is shown: two decimals ("13,50"); "—" when none.
export function average(value) {
  return value === null || value === undefined ? "—" : value.toLocaleString("fr-FR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// A grade or a scale as given ("15,5", "20").
export function number(value) {
  return value === null || value === undefined ? "—" : value.toLocaleString("fr-FR", { maximumFractionDigits: 2 });
}
