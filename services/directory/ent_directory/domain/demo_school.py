"""A deterministic demo collège: 4 classes of 28 students, their parents, 12 teachers,
a principal and a vie-scolaire officer. Same ids on every run, so seeding is idempotent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from ent_contracts.directory import Profile

NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4f0e-9a57-0d3c2b7e9a10")
SCHOOL_ID = str(uuid.uuid5(NAMESPACE, "school:clg-jean-moulin"))
SCHOOL_NAME = "Collège Jean Moulin"
CLASSES = ("6A", "5A", "4A", "3A")
STUDENTS_PER_CLASS = 28
# Two students of the same family, a 5A and a 3A (both named David): their parent follows
# both (the child switch of school life); the 3A one has no parent account of their own.
SIBLINGS = (39, 111)
# Every demo account signs in with this password (printed by `make run`); demo data only.
DEMO_PASSWORD = "ent-demo-2026"

FIRST_NAMES = [
    "Lucas",
    "Emma",
    "Louis",
    "Jade",
    "Gabriel",
    "Louise",
    "Léo",
    "Alice",
    "Raphaël",
    "Chloé",
    "Arthur",
    "Lina",
    "Hugo",
    "Mia",
    "Jules",
    "Léa",
    "Adam",
    "Rose",
    "Nathan",
    "Anna",
    "Ethan",
    "Inès",
    "Paul",
    "Zoé",
    "Tom",
    "Manon",
    "Sacha",
    "Camille",
    "Noah",
    "Sarah",
    "Théo",
    "Juliette",
    "Nolan",
    "Lou",
    "Maël",
    "Ambre",
    "Mathis",
    "Agathe",
    "Aaron",
    "Eva",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
]
SUBJECTS = (
    "Français",
    "Mathématiques",
    "Histoire-Géographie",
    "Anglais",
    "Espagnol",
    "SVT",
    "Physique-Chimie",
    "Technologie",
    "Arts plastiques",
    "Éducation musicale",
    "EPS",
    "Latin",
)


@dataclass(frozen=True)
class DemoUser:
    login: str
    first_name: str
    last_name: str
    profile: Profile
    classes: list[str] = field(default_factory=list)
    function: str | None = None
    subjects: list[str] = field(default_factory=list)
    children: tuple[str, ...] = ()  # logins of a parent's children

    @property
    def user_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"user:{self.login}"))


def group_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"group:{kind}:{name}"))


CLASS_IDS = {name: group_id("class", name) for name in CLASSES}
LATIN = group_id("teaching", "Latin 5e-4e")
THEATRE = group_id("collaborative", "Club théâtre")


def _slug(text: str) -> str:
    text = text.lower()
    for a, b in (("é", "e"), ("è", "e"), ("ë", "e"), ("ï", "i"), ("ç", "c"), ("-", ""), (" ", "")):
        text = text.replace(a, b)
    return text


def _login(first: str, last: str, taken: set[str]) -> str:
    base = _slug(f"{first}.{last}")
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}{n}"
    taken.add(login)
    return login


def demo_users() -> list[DemoUser]:
    taken: set[str] = set()
    users = [
        DemoUser(
            _login("Claire", "Directrice", taken),
            "Claire",
            "Directrice",
            "staff",
            function="direction",
        ),
        DemoUser(_login("Marc", "Cpe", taken), "Marc", "Cpe", "staff", function="vie_scolaire"),
    ]
    for i, subject in enumerate(SUBJECTS):
        first, last = FIRST_NAMES[(i * 7) % len(FIRST_NAMES)], LAST_NAMES[-1 - i]
        login = _login("prof", subject, taken)
        users.append(DemoUser(login, first, last, "teacher", list(CLASSES), subjects=[subject]))
    users.append(DemoUser(_login("prof", "remplacant", taken), "Samir", "Remplaçant", "teacher"))
    parents: dict[int, int] = {}  # student number → index of their parent in `users`
    for c, class_name in enumerate(CLASSES):
        for s in range(STUDENTS_PER_CLASS):
            k = c * STUDENTS_PER_CLASS + s
            first, last = FIRST_NAMES[k % len(FIRST_NAMES)], LAST_NAMES[(k * 5) % len(LAST_NAMES)]
            student = DemoUser(_login(first, last, taken), first, last, "student", [class_name])
            users.append(student)
            if k == SIBLINGS[1]:
                elder = users[parents[SIBLINGS[0]]]
                users[parents[SIBLINGS[0]]] = replace(
                    elder, children=(*elder.children, student.login)
                )
                continue
            parent_first = FIRST_NAMES[(k + 17) % len(FIRST_NAMES)]
            parent_login = _login(parent_first, last, taken)
            parents[k] = len(users)
            users.append(
                DemoUser(parent_login, parent_first, last, "parent", children=(student.login,))
            )
    return users
