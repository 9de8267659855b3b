"""The web app's pages: their path, title, template and script, and the navigation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    title: str
    in_nav: bool = True
    signed_in: bool = True  # the script sends an anonymous visitor to the sign-in page

    @property
    def template(self) -> str:
        return f"{self.name}.html"

    @property
    def script(self) -> str:
        return f"/static/js/{self.name}.js"


PAGES: tuple[Page, ...] = (
    Page("accueil", "/", "Accueil"),
    Page("casier", "/casier", "Casier"),
    Page("messagerie", "/messagerie", "Messagerie"),
    Page("pronote", "/pronote", "Vie scolaire"),
    Page("transferts", "/transferts", "Transferts"),
    Page("appareils", "/appareils", "Appareils mobiles"),
    Page("connexion", "/connexion", "Connexion", in_nav=False, signed_in=False),
)
