"""Every sentence the mail service shows to people, in French, in one place."""

DOCUMENT_RECEIVED = "Nouveau document dans votre casier : « {file_name} », déposé par {sender}."
UNKNOWN_SENDER = "un utilisateur"
