"""Sentences of the grades area (notes, moyennes, compétences, périodes), in French."""

BAD_TERM_COUNT = "une année se découpe en 2 semestres, 3 trimestres ou 4 périodes"
TERM_NAME_REQUIRED = "donnez un nom à la période"
TERM_ENDS_BEFORE = "la période finit avant de commencer"
TERM_OUTSIDE_YEAR = "la période sort de l'année scolaire (1er septembre - 31 août)"
TERM_NOT_CONTIGUOUS = "chaque période commence le lendemain de la fin de la précédente"
TERM_NOT_FOUND = "période introuvable"
DIRECTION_ONLY = "réservé à la direction"
TITLE_REQUIRED = "donnez un titre à l'évaluation"
BAD_OUT_OF = "le barème est un nombre de points positif (au quart de point), 1000 au plus"
BAD_COEFFICIENT = "le coefficient est un nombre positif, 100 au plus"
OPTIONAL_AND_BONUS = "une évaluation est facultative ou bonus, pas les deux"
NOT_YOUR_SUBJECT = "vous n'enseignez pas cette matière"
EVALUATION_NOT_FOUND = "évaluation introuvable"
PUBLISHED_NOT_DELETED = "une évaluation publiée ne se supprime plus"
STAFF_ONLY = "réservé aux enseignants du groupe, à la direction et à la vie scolaire"
SUBJECT_REQUIRED = "précisez la matière"
COMPETENCY_ITEMS = "une évaluation de compétences a de 1 à 30 items, chacun nommé"
ITEM_NOT_FOUND = "item inconnu de cette évaluation"


def not_in_group(student_id: str) -> str:
    return f"l'élève {student_id} n'est pas dans ce groupe"


def graded_twice(name: str) -> str:
    return f"{name} : noté deux fois"


def value_or_marker(name: str) -> str:
    return f"{name} : une note ou une mention (Abs, Disp, NN), pas les deux"


def above_out_of(name: str, out_of: float) -> str:
    return f"{name} : la note doit être entre 0 et {out_of:g}"


def not_quarter(name: str) -> str:
    return f"{name} : les notes vont au quart de point (12, 12,25, 12,5, 12,75)"


def assessed_twice(name: str) -> str:
    return f"{name} : évalué deux fois sur le même item"
