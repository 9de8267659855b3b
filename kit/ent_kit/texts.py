"""Every sentence the kit shows to people, in French, in one place (logs stay English)."""

INVALID_INPUT = "Données invalides"
BODY_REQUIRED = "un corps de requête JSON est requis"
BODY_NOT_JSON = "le corps de la requête n'est pas du JSON valide"
INTERNAL_ERROR = "Erreur interne"
NOT_READY = "Service pas prêt"
NOT_FOUND = "Introuvable"
CONFLICT = "Modification concurrente : réessayez"
PEER_UNAVAILABLE = "Service indisponible, réessayez plus tard"
INVALID_CURSOR = "curseur invalide"
RANGE_NOT_SATISFIABLE = "Plage d'octets invalide"

MULTIPART_EXPECTED = "multipart/form-data attendu"
MULTIPART_ENDED_EARLY = "le corps multipart s'arrête avant la fin"
FIELD_TOO_LARGE = "Champ de formulaire trop volumineux"
FIELDS_NOT_UTF8 = "les champs du formulaire doivent être du texte UTF-8"
UNEXPECTED_FILE_FIELD = "fichier inattendu (attendu : « {expected} »)"
FILE_REQUIRED = "un fichier est requis (après les autres champs)"
PART_WITHOUT_NAME = "partie multipart sans nom"
NAMES_NOT_UTF8 = "les noms de partie et de fichier doivent être en UTF-8"
MULTIPART_MALFORMED = "le corps multipart est mal formé"
INVALID_MEDIA_TYPE = "type de fichier invalide (attendu : type/sous-type)"
FORM_LIMITS = {  # code: (title, detail naming the limit)
    "too_many_parts": (
        "Formulaire trop long : trop de parties",
        "au plus {limit} parties par formulaire",
    ),
    "fields_too_large": (
        "Champs de formulaire trop volumineux",
        "au plus {limit} octets de champs texte par formulaire",
    ),
}

BODY_TOO_LARGE = "Corps de requête trop volumineux"
BODY_TOO_LARGE_DETAIL = "le corps de la requête dépasse {limit} octets"
SERVICES_ONLY = "Réservé aux services de la plateforme"
NOT_FOR_SERVICES = "Cette opération n'est pas permise à ce service"
