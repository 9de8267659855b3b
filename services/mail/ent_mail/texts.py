"""Every sentence the mail service shows to people, in French, in one place."""

# --- notifications from other services -----------------------------------------------
DOCUMENT_RECEIVED = "Nouveau document dans votre casier : « {file_name} », déposé par {sender}."
UNKNOWN_SENDER = "un utilisateur"

# --- recipients -------------------------------------------------------------------------
RECIPIENTS_REQUIRED = "au moins un destinataire est requis"
TOO_MANY_RECIPIENTS = "au plus {max} destinataires"
MALFORMED_RECIPIENT = "destinataire mal formé : {entry}"
RECIPIENTS_REFUSED = (
    "Vous ne pouvez pas écrire à certains destinataires : ils n'appartiennent pas à vos listes"
)
TOO_MANY_AFTER_EXPANSION = "au plus {max} destinataires une fois les groupes développés ({count})"
ONE_GROUP_ONLY = "vos droits ne permettent d'écrire qu'aux membres d'un seul groupe par message"

# --- composing --------------------------------------------------------------------------
SUBJECT_REQUIRED = "l'objet est requis"
SUBJECT_TOO_LONG = "l'objet dépasse {max} caractères"
BODY_REQUIRED = "le message est vide"
BODY_TOO_LONG = "le message dépasse {max} caractères"
REPLY_MODE_REQUIRED = "choisissez « Me répondre uniquement » ou « Répondre à tous »"
TOO_MANY_ATTACHMENTS = "au plus {max} pièces jointes"
ATTACHMENT_TOO_LARGE = "une pièce jointe dépasse {max_mb} Mo"
ATTACHMENTS_TOO_LARGE = "les pièces jointes dépassent {max_mb} Mo au total"
ATTACHMENT_NOT_FOUND = "Pièce jointe introuvable"
ATTACHMENT_REMOVED = "Pièce jointe supprimée"
REPLY_PREFIX = "RE : "
FORWARD_PREFIX = "TR : "
QUOTE_HEADER = "Le {date}, {sender} a écrit :"
FORWARD_HEADER = "Message transféré — De : {sender}, le {date}, objet : {subject}"

RESERVED_TO_SERVICES = "réservé aux services de l'ENT"
SYSTEM_USERS_ONLY = "un message de l'ENT s'adresse à des utilisateurs nommés un par un"
SYSTEM_SENDER_NAME = "ENT"

# --- conversations ----------------------------------------------------------------------
MESSAGE_NOT_FOUND = "Message introuvable"
CONVERSATION_NOT_FOUND = "Conversation introuvable"
SEARCH_TEXT_REQUIRED = "saisissez le texte à chercher dans les objets"
NO_REPLY_TO_SYSTEM = "on ne répond pas à un message de l'ENT"
REPLY_ALL_NOT_ALLOWED = "l'expéditeur a choisi « Me répondre uniquement » : répondez-lui seul"

# --- mailbox ----------------------------------------------------------------------------
FOLDER_NOT_FOUND = "Dossier introuvable"
FOLDER_NAME_EMPTY = "le nom du dossier est vide"
FOLDER_NAME_TOO_LONG = "le nom du dossier dépasse {max} caractères"
FOLDER_EXISTS = "un dossier porte déjà ce nom ici"
FOLDER_TOO_DEEP = "un dossier ne peut contenir qu'un niveau de sous-dossiers"
TOO_MANY_FOLDERS = "au plus {max} dossiers"
NOT_A_TARGET = "on ne range pas un message dans ce dossier"
NOTHING_SELECTED = "aucun message sélectionné"
TOO_MANY_SELECTED = "au plus {max} messages à la fois"
DELETE_ONLY_FROM_TRASH = "seul un message de la corbeille se supprime définitivement"
CATEGORY_TOO_LONG = "le nom de la catégorie dépasse {max} caractères"

# --- drafts -----------------------------------------------------------------------------
DRAFT_NOT_FOUND = "Brouillon introuvable"
DRAFT_STALE = "ce brouillon a été enregistré depuis (autre onglet ou appareil) : rechargez-le"
DRAFT_ENDED = "ce brouillon a déjà été envoyé ou supprimé"

# --- address book -----------------------------------------------------------------------
ROLE_NAMES = {
    "students": "Élèves",
    "teachers": "Enseignants",
    "parents": "Parents",
    "members": "Membres",
}
AUDIENCE_NAME = "{role} — {group}"
UNKNOWN_GROUP = "groupe"
CONTACT_QUERY_REQUIRED = "tapez au moins un caractère"

# --- send limits ------------------------------------------------------------------------
TOO_MANY_MESSAGES = "Vous avez envoyé {allowed} messages dans l'heure : réessayez plus tard"
TOO_MANY_RECIPIENTS_TODAY = (
    "Vous avez écrit à {allowed} personnes différentes aujourd'hui : réessayez plus tard"
)

# --- attachments ------------------------------------------------------------------------
NAME_EMPTY = "le nom du fichier est vide"
NAME_TOO_LONG = "le nom du fichier dépasse {max} caractères"
NAME_FORBIDDEN = "le nom du fichier contient des caractères interdits"
EMPTY_FILE = "le fichier est vide"
ATTACHMENT_UNSCANNABLE = "l'antivirus ne peut pas analyser un fichier de cette taille"
WORKSPACE_ITEM_NOT_FOUND = "Document introuvable dans Mes documents"
UNEXPECTED_FIELD = "champ inattendu"

# --- the notification address -----------------------------------------------------------
INVALID_ADDRESS = "adresse e-mail invalide (exemple : prenom.nom@exemple.fr)"
ADDRESS_TOO_LONG = "l'adresse e-mail dépasse {max} caractères"

# --- the e-mail -------------------------------------------------------------------------
# Who wrote and the subject, never the body: a message may be about a minor, and an
# e-mail leaves the ENT for mailboxes it does not control.
EMAIL_SUBJECT = "Nouveau message : {subject}"
EMAIL_TEXT = (
    "Bonjour,\n"
    "\n"
    "{sender} vous a envoyé un message dans la messagerie de l'ENT, "
    "objet : « {subject} ».\n"
    "\n"
    "Connectez-vous à l'ENT pour le lire.\n"
    "\n"
    "Ceci est un message automatique, merci de ne pas y répondre. "
    "Vous le recevez parce que vous avez indiqué cette adresse dans les paramètres de votre "
    "messagerie de l'ENT ; vous pouvez l'y retirer à tout moment.\n"
)
EMAIL_UNKNOWN_SENDER = "Un utilisateur de l'ENT"

# --- e-mails outside the ENT, asked by another service on a user's behalf ----------------
TOO_MANY_EXTERNAL_EMAILS = (
    "limite atteinte : {allowed} e-mails vers des adresses extérieures par jour ; réessayez demain"
)
NO_SUBJECT = "(sans objet)"
