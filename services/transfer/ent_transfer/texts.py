"""Every sentence the transfer service shows to people, in French, in one place."""

# --- the files of a transfer ----------------------------------------------------------
NO_FILES = "un transfert contient au moins un fichier"
TOO_MANY_FILES = "au plus {max} fichiers par transfert"
EMPTY_TRANSFER = "le transfert est vide : ses fichiers ne contiennent aucun octet"
PATH_EMPTY = "le chemin du fichier est vide"
PATH_TOO_LONG = "le chemin du fichier dépasse {max} caractères"
PATH_FORBIDDEN = "le chemin du fichier contient des caractères ou des segments interdits"
PATH_DUPLICATE = "deux fichiers ont le même chemin : {path}"
TOO_LARGE = "un transfert ne dépasse pas {max_mb} Mo"
MESSAGE_TOO_LONG = "le message dépasse {max} caractères"
EXPIRY_RANGE = "l'expiration est comprise entre 1 et {max} jours"
PASSWORD_TOO_SHORT = "le mot de passe compte au moins {min} caractères"
QUOTA_REACHED = (
    "vous avez déjà {max} transferts actifs : supprimez-en un ou attendez son expiration"
)

# --- uploads (tus) --------------------------------------------------------------------
TRANSFER_NOT_FOUND = "Transfert introuvable"
UPLOAD_NOT_FOUND = "Envoi introuvable"
UPLOAD_GONE = "Cet envoi a expiré"
FILE_NOT_DECLARED = "ce fichier ne fait pas partie du transfert"
FILE_ALREADY_UPLOADING = "ce fichier est déjà en cours d'envoi"
TRANSFER_CLOSED = "ce transfert n'accepte plus de fichiers"
WRONG_OFFSET = "la position d'envoi ne correspond pas à celle du serveur"
UPLOAD_BUSY = "cet envoi reçoit déjà des données"
UPLOAD_OVERFLOW = "les données dépassent la taille annoncée du fichier"
BAD_TUS_VERSION = "version du protocole tus non prise en charge"
BAD_CONTENT_TYPE = "le type de contenu doit être application/offset+octet-stream"
BAD_LENGTH = "taille d'envoi invalide"
BAD_METADATA = "métadonnées d'envoi (Upload-Metadata) illisibles"
BAD_DOWNLOAD_LIMIT = "la limite de téléchargements est d'au moins 1"
BAD_CHECKSUM = "la somme de contrôle ne correspond pas"
BAD_CHECKSUM_ALGORITHM = "algorithme de somme de contrôle non pris en charge"

# --- the link -------------------------------------------------------------------------
LINK_NOT_FOUND = "Ce lien n'existe pas ou a expiré"
LINK_GONE = "Ce lien a expiré"
PASSWORD_REQUIRED = "ce transfert est protégé par un mot de passe"
PASSWORD_WRONG = "mot de passe incorrect"
PASSWORD_THROTTLED = "trop d'essais de mot de passe : réessayez plus tard"
DOWNLOAD_LIMIT_REACHED = "le nombre maximal de téléchargements est atteint"
FILE_NOT_FOUND = "Fichier introuvable"
ZIP_NAME = "transfert.zip"
BAD_METHOD = "méthode non prise en charge pour cet envoi"
UNAUTHENTICATED = "authentification requise"

# --- the link's page (HTML, no JavaScript) --------------------------------------------
PAGE_TITLE = "Transfert de fichiers"
PAGE_FILES = "{count} fichier(s), {size} au total"
PAGE_EXPIRES = "Disponible jusqu'au {date}"
PAGE_DOWNLOAD = "Télécharger"
PAGE_DOWNLOAD_ALL = "Tout télécharger (zip)"
PAGE_PASSWORD = "Mot de passe"
PAGE_DOWNLOADS_LEFT = "Téléchargements restants : {left}"
PAGE_GONE = "Ce lien n'existe pas ou a expiré : les fichiers ont été supprimés."

# --- sharing in a message -------------------------------------------------------------
SHARE_SUBJECT = "Transfert de fichiers : {count} fichier(s)"
SHARE_INTRO = "Je vous envoie des fichiers par un lien de transfert."
SHARE_LINK = "Les télécharger : {url}"
SHARE_UNTIL = "Le lien est valable jusqu'au {date} ; les fichiers seront ensuite supprimés."
SHARE_PASSWORD = "Un mot de passe est nécessaire : je vous le communiquerai séparément."
SHARE_NOT_READY = "le transfert n'est pas encore complet"
SHARE_REFUSED = "certains destinataires ne peuvent pas recevoir votre message"
MAIL_UNAVAILABLE = "la messagerie ne répond pas"
SHARE_NOBODY = "indiquez au moins un destinataire de l'ENT ou une adresse e-mail"

# --- sharing by e-mail, to addresses outside the ENT (sent from its no-reply address) ---
EMAIL_SUBJECT = "{sender} vous envoie {count} fichier(s)"
EMAIL_INTRO = "{sender} vous envoie {count} fichier(s) depuis l'ENT de son établissement."
EMAIL_NOTE = "Son message :"
EMAIL_PASSWORD = "Un mot de passe est nécessaire : {sender} vous le communiquera séparément."
EMAIL_FOOTER = (
    "Ce message automatique a été envoyé à la demande de {sender} ; merci de ne pas y répondre."
)
EMAIL_SOMEONE = "Un utilisateur de l'ENT"
EMAILS_REFUSED = "certaines adresses e-mail ne peuvent pas recevoir le lien"
