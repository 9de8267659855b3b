"""Sentences of the agenda, in French."""

ITEM_NOT_FOUND = "Événement introuvable"
TITLE_EMPTY = "le titre est vide"
ENDS_BEFORE_START = "la fin de l'événement doit suivre son début"
TOO_LONG = "un événement dure au plus {days} jours"
BAD_LINK = "le lien doit être une adresse http:// ou https:// complète"
UNKNOWN_KIND = "type inconnu : {kinds}"
SCHOOL_ITEMS_STAFF_ONLY = (
    "un événement pour tout l'établissement est publié par la direction ou la vie scolaire"
)
PUBLISHERS_ONLY = "réservé à la direction, à la vie scolaire et aux professeurs"
NOT_YOURS = "seuls son auteur, la direction et la vie scolaire modifient cet événement"
RANGE_BACKWARDS = "la fin de la période doit suivre son début"
RANGE_TOO_LONG = "une période couvre au plus {days} jours"
