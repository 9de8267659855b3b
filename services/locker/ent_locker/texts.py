"""Every sentence the locker shows to people, in French, in one place (logs stay English)."""

# --- names of files and folders -------------------------------------------------------
OF_FILE = "du fichier"
OF_FOLDER = "du dossier"
NAME_EMPTY = "le nom {of} est vide"
NAME_TOO_LONG = "le nom {of} dépasse {max} caractères"
NAME_FORBIDDEN = "le nom {of} contient des caractères interdits"
EMPTY_FILE = "le fichier est vide"

# --- recipients -----------------------------------------------------------------------
RECIPIENTS_REQUIRED = "au moins un destinataire est requis"
TOO_MANY_RECIPIENTS = "au plus {max} destinataires"
NOT_ONESELF = "on ne dépose pas dans son propre casier"
MALFORMED_RECIPIENT = "destinataire de groupe mal formé : {entry}"
NO_ALLOWED_RECIPIENTS = "Aucun destinataire autorisé"

# --- Casier ---------------------------------------------------------------------------
DOCUMENT_NOT_FOUND = "Document introuvable"
DOCUMENT_IMMUTABLE = "un document déposé ne peut pas être modifié"
NO_EARLIER_DEPOSIT = "aucun dépôt antérieur de votre part"
PURGE_ONLY_FROM_TRASH = "seul un document de la corbeille se supprime"
DOCUMENT_TOO_LARGE = "Document trop volumineux"
QUOTA_EXCEEDED = "Quota de dépôt atteint"
# The deposit limits (429): `allowed` is the limit reached.
TOO_MANY_DEPOSITS_THIS_HOUR = "Vous avez fait {allowed} dépôts dans l'heure : réessayez plus tard"
TOO_MANY_DEPOSITS_TODAY = "Vous avez fait {allowed} dépôts en 24 heures : réessayez plus tard"
TOO_MANY_RECIPIENTS_THIS_HOUR = (
    "Vous avez déposé pour {allowed} personnes différentes dans l'heure : réessayez plus tard"
)
TOO_MANY_RECIPIENTS_TODAY = (
    "Vous avez déposé pour {allowed} personnes différentes en 24 heures : réessayez plus tard"
)

# --- Mes documents --------------------------------------------------------------------
FOLDER_NOT_FOUND = "Dossier introuvable"
ITEM_NOT_FOUND = "Document introuvable"
FOLDER_EXISTS = "ce dossier existe déjà"
ITEM_EXISTS = "ce document existe déjà"
FOLDER_TOO_DEEP = "un seul niveau de sous-dossier est permis"
TOO_MANY_FOLDERS = "au plus {max} dossiers"
FOLDER_CYCLE = "un dossier ne peut pas être déplacé dans lui-même ou l'un de ses sous-dossiers"
NAME_TAKEN = "un dossier porte déjà ce nom ici"
COPY_COUNT = "de 1 à {max} documents"
UNEXPECTED_FIELD = "champ inattendu"
ONLY_FROM_TRASH = "seul un élément de la corbeille se supprime définitivement"
TRASH_SELECTION = "de 1 à {max} éléments"

# --- downloads ------------------------------------------------------------------------
