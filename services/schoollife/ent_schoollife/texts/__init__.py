"""Every sentence the school-life service shows to people, in French: the shared ones
here, each area's in its own module (`texts.timetable`, `texts.grades`, ...)."""

UNKNOWN_VIEWER = (
    "votre compte n'est pas encore connu de la vie scolaire : réessayez dans un instant"
)
STUDENT_NOT_FOUND = "Élève introuvable"
GROUP_NOT_FOUND = "Classe ou groupe introuvable"
NOT_TEACHING = "vous n'enseignez pas à ce groupe"
STAFF_ONLY = "réservé à la direction et à la vie scolaire"
DIRECTION_ONLY = "réservé à la direction"
CHOOSE_CHILD = "précisez l'enfant (student_id) : vous suivez plusieurs élèves"
UNKNOWN_HOME_BLOCK = "blocs inconnus : choisissez parmi {names}"
