"""Sentences of the vie scolaire (absences, lateness, punishments), in French."""

# --- recording ------------------------------------------------------------------------
RECORDERS_ONLY = "réservé à la vie scolaire, à la direction et aux professeurs de l'élève"
GROUP_REQUIRED = "précisez le groupe (group_id) du cours où vous faites l'appel"
NOT_YOUR_STUDENT = "cet élève ne fait pas partie du groupe que vous indiquez"
STUDENT_NOT_IN_GROUP = "cet élève ne fait pas partie de ce groupe"
SANCTION_STAFF_ONLY = "une sanction est donnée par la vie scolaire ou la direction"
ENDS_BEFORE_START = "la fin de l'absence doit suivre son début"
ABSENCE_TOO_LONG = "une absence dure au plus {days} jours : saisissez-en plusieurs"
REASON_EMPTY = "le motif est vide"
ALREADY_RECORDED = "déjà enregistré"

# --- justification ----------------------------------------------------------------------
PARENTS_ONLY = "seuls les parents de l'élève justifient ses absences"
ABSENCE_NOT_FOUND = "Absence introuvable"
UNKNOWN_REASON = "motif inconnu : {reasons}"
ALREADY_JUSTIFIED = "cette absence a déjà une justification"
NOTHING_TO_DECIDE = "aucune justification n'attend de décision pour cette absence"
REFUSAL_NEEDS_COMMENT = "dites pourquoi la justification est refusée"
DOCUMENT_TYPE = "le justificatif est un PDF, une image JPEG ou PNG"
DOCUMENT_TOO_LARGE = "le justificatif ne dépasse pas {max_mb} Mo"
DOCUMENT_EMPTY = "le justificatif est vide"
DOCUMENT_NOT_FOUND = "Justificatif introuvable"
UNEXPECTED_FIELD = "champ inattendu"
COMMENT_TOO_LONG = "le commentaire dépasse {max} caractères"
DECIDERS_ONLY = "réservé à la vie scolaire et à la direction"

# Labels of the justification reasons (the codes are those of AbsenceJustified).
REASONS = {
    "illness": "Maladie",
    "medical_appointment": "Rendez-vous médical",
    "family": "Raison familiale",
    "transport": "Problème de transport",
    "official_summons": "Convocation officielle",
    "other": "Autre",
}

# --- consultation -----------------------------------------------------------------------
TERM_NOT_FOUND = "période inconnue pour cette année scolaire"
