// Sign-in: login and password, then back to the page asked for (only a path of this site).
import { api, session, showProblem, clearProblem, $ } from "./ent.js";

function destination() {
  const asked = new URLSearchParams(location.search).get("suite") || "/";
  return asked.startsWith("/") && !asked.startsWith("//") ? asked : "/";
}

const form = $("#sign-in");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearProblem();
  const data = new FormData(form);
  try {
    const signedIn = await api("/auth/login", {
      method: "POST",
      json: { login: data.get("login"), password: data.get("password") },
    });
    session.save(signedIn);
    location.assign(destination());
  } catch (error) {
    showProblem(error, { form });
    $("#password").focus();
  }
});
$("#login").focus();
