"""Every sentence the directory shows to people, in French, in one place (logs and code stay
English). Machine codes (`reason`) are never here: they are stable and English."""

from typing import Final

# --- people ---------------------------------------------------------------------------
USER_NOT_FOUND: Final = "Utilisateur introuvable"
ALREADY_REGISTERED: Final = "{user_id} est déjà inscrit"
NOT_REGISTERED: Final = "{user_id} n'est pas inscrit"
ONLY_PARENTS_ARE_LINKED: Final = "seul un parent peut être lié à un élève"
PARENTS_ARE_LINKED_TO_STUDENTS: Final = "un parent est lié à un élève"
STUDENT_UNKNOWN: Final = "élève {student_id} introuvable"

# --- groups, rules and substitutions --------------------------------------------------
GROUP_EXISTS: Final = "le groupe {group_id} existe déjà"
GROUP_NAME_REQUIRED: Final = "un groupe doit avoir un nom"
MAIN_TEACHER_TEACHES: Final = "le professeur principal doit enseigner dans le groupe"
UNKNOWN_RULE: Final = "aucune règle de ce nom dans l'établissement"
ALREADY_GRANTED: Final = "cette permission est déjà donnée par une autre règle"
SUBSTITUTION_BETWEEN_TEACHERS: Final = "un remplacement se fait entre deux enseignants"
SUBSTITUTION_TEACHERS_UNKNOWN: Final = "les deux enseignants doivent exister"
PERIOD_REVERSED: Final = "la période se termine avant de commencer"

# --- favourites -----------------------------------------------------------------------
FAVOURITE_NOT_FOUND: Final = "Favori introuvable"
FAVOURITE_EXISTS: Final = "ce favori existe déjà"
FAVOURITE_NAME_REQUIRED: Final = "un favori doit avoir un nom"
FAVOURITE_RECIPIENTS: Final = "de 1 à {max} destinataires"

# --- who may do what ------------------------------------------------------------------
RESERVED_TO_DIRECTION: Final = "Réservé à la direction de l'établissement"
RESERVED_TO_SERVICES: Final = "Réservé aux services de la plateforme"
UNKNOWN_SENDER: Final = "Compte inconnu de l'annuaire"
OWN_SENDS_ONLY: Final = "Vous ne pouvez vérifier que vos propres envois"
SENDER_REQUIRED: Final = "obligatoire quand un service fait la vérification"
TOO_MANY_RECIPIENTS: Final = "au plus {max} destinataires"
SEARCH_TOO_SHORT: Final = "au moins 3 lettres"
AUDIENCE_NOT_FOUND: Final = "Groupe introuvable"
WHOLE_SCHOOL_RESERVED: Final = (
    "Écrire à tout l'établissement est réservé à la direction et à la vie scolaire"
)

# --- sign-in --------------------------------------------------------------------------
ACCOUNT_NOT_FOUND: Final = "Identifiant inconnu"
INVALID_CREDENTIALS: Final = "Identifiant ou mot de passe incorrect"
PASSWORD_TOO_SHORT: Final = "un mot de passe a au moins {min} caractères"
PASSWORD_TOO_LONG: Final = "un mot de passe a au plus {max} caractères"
WRONG_PASSWORD: Final = "Mot de passe actuel incorrect"
TOO_MANY_PASSWORD_GUESSES: Final = (
    "Trop de mots de passe actuels incorrects : réessayez dans quelques minutes"
)
SAME_PASSWORD: Final = "le nouveau mot de passe doit différer de l'actuel"
NO_LOCAL_ACCOUNT: Final = "Ce compte n'a pas de mot de passe local"
RESET_TOKEN_INVALID: Final = "Code de réinitialisation invalide ou déjà utilisé"
RESET_TOKEN_EXPIRED: Final = "Code de réinitialisation expiré : demandez-en un nouveau"
ACCOUNTS_ONLY: Final = "Réservé aux comptes des personnes"

# --- mobile pairing (QR code) and paired devices ----------------------------------------
DEVICE_NAME_REQUIRED: Final = "Le nom de l'appareil est obligatoire"
DEVICE_NAME_TOO_LONG: Final = "Le nom de l'appareil ne doit pas dépasser {max} caractères"
DEVICE_NAME_INVALID: Final = "Le nom de l'appareil contient des caractères non autorisés"
DEVICE_EXISTS: Final = "Cet appareil est déjà associé"
DEVICE_NOT_FOUND: Final = "Appareil introuvable"
TOO_MANY_DEVICES: Final = (
    "Trop d'appareils associés ({max}) : retirez-en un avant d'en associer un autre"
)
PAIRING_CODE_INVALID: Final = "Code d'association invalide ou déjà utilisé"
PAIRING_CODE_EXPIRED: Final = "Code d'association expiré : flashez un nouveau QR code"
DEVICE_INVALID: Final = "Appareil inconnu ou retiré : associez-le à nouveau"

# --- the recipient assistant ----------------------------------------------------------
WHOLE_SCHOOL: Final = "Tout l'établissement"
AUDIENCE_LABEL: Final = "{role} — {scope}"
ROLE_LABELS: Final = {
    "students": "Élèves",
    "teachers": "Enseignants",
    "parents": "Parents",
    "members": "Membres",
    "staff": "Personnels",
    "direction": "Direction",
    "vie_scolaire": "Vie scolaire",
    "secretariat": "Secrétariat",
    "family": "Famille",
}

# --- school import: the file ----------------------------------------------------------
CSV_EXPECTED: Final = "text/csv attendu"
FILE_TOO_LARGE: Final = "Fichier trop volumineux"
FILE_TOO_LARGE_DETAIL: Final = "Fichier trop volumineux (au plus {max} octets)"
FILE_NOT_UTF8: Final = "ligne {line} : le fichier n'est pas encodé en UTF-8"
HEADER_UNREADABLE: Final = "en-tête illisible : {error}"
FILE_EMPTY: Final = "fichier vide : l'en-tête {columns} est requis"
NO_DATA_ROWS: Final = "aucune ligne après l'en-tête : rien à importer"
HEADER_INCOMPLETE: Final = (
    "en-tête incomplet, colonnes manquantes : {missing} (attendu, séparées par « ; » : {columns})"
)

# --- school import: one row -----------------------------------------------------------
ROW_UNREADABLE: Final = "ligne illisible : {error}"
DUPLICATE_ID: Final = "identifiant « {external_id} » déjà présent ligne {line}"
DUPLICATE_LOGIN: Final = "login « {login} » déjà utilisé ligne {line}"
TOO_MANY_COLUMNS: Final = "{found} colonnes, {expected} attendues (séparateur ;)"
UNKNOWN_PROFILE: Final = "profil « {profile} » inconnu (attendu : {expected})"
CELL_MISSING: Final = "{name} manquant"
CELL_TOO_LONG: Final = "{name} trop long (au plus {max} caractères)"
COMMA_IN_ID: Final = "un identifiant ne peut pas contenir de virgule"
INVALID_LOGIN: Final = "login « {login} » invalide (lettres, chiffres, . _ - @)"
NO_LOGIN: Final = "login manquant et impossible à déduire du prénom et du nom"
TOO_MANY_VALUES: Final = "{name} : au plus {max} valeurs"
VALUE_TOO_LONG: Final = "{name} : valeur trop longue (au plus {max} caractères)"
PARENT_WITHOUT_CHILD: Final = "un parent doit avoir au moins un enfant (colonne enfants)"
UNKNOWN_FUNCTION: Final = "fonction « {function} » inconnue (attendu : {expected})"
ONE_CLASS_PER_STUDENT: Final = "un élève est dans exactement une classe ({count} indiquées)"
MAIN_MARK_FOR_TEACHERS: Final = "« * » (professeur principal) est réservé aux enseignants"
EMPTY_CLASS_NAME: Final = "nom de classe vide après « * »"
UNKNOWN_CHILD: Final = "enfant « {child} » : pas un élève valide de ce fichier"
MAIN_TEACHER_TAKEN: Final = "classe {name} : professeur principal déjà désigné ligne {line}"

# --- school import: applying a row ----------------------------------------------------
PROFILE_CHANGED: Final = (
    "profil différent du compte existant ({profile}) : un import ne change pas le profil"
)
LOGIN_TAKEN: Final = "login « {login} » déjà pris par un autre compte"
LOGIN_KEPT: Final = (
    "login conservé « {login} » : un import ne change pas le login "
    "(le reste de la ligne est appliqué)"
)
CHILD_NOT_IMPORTED: Final = "enfant « {child} » non importé : lien parent non créé"

# --- school import: the command-line tool ---------------------------------------------
CLI_DESCRIPTION: Final = (
    "Importe un établissement depuis un fichier CSV (séparateur « ; », UTF-8). "
    "Un nouvel import du même fichier ne change rien."
)
CLI_FILE: Final = "fichier CSV avec en-tête"
CLI_SCHOOL_ID: Final = "identifiant de l'établissement"
CLI_STORE_URL: Final = "base de l'annuaire (par défaut : $ENT_STORE_URL)"
CLI_JSON: Final = "affiche le rapport en JSON"
CLI_NO_PROGRESS: Final = "sans barre de progression"
CLI_STORE_REQUIRED: Final = "--store-url ou ENT_STORE_URL est requis"
CLI_SCHOOL_REQUIRED: Final = "--school-id ne doit pas être vide"
CLI_UNREADABLE: Final = "{file} : fichier illisible : {error}"
CLI_PROGRESS: Final = "Import"
CLI_STEPS: Final = " étapes"
CLI_SUMMARY: Final = (
    "Import terminé : {read} lignes lues, {created} créés, {updated} mis à jour, "
    "{unchanged} inchangés, {deactivated} désactivés, {linked} liens parent-enfant créés, "
    "{errors} erreurs"
)
CLI_ERROR_LINE: Final = "  ligne {line} : {reason}"
