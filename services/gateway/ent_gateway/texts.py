"""Every sentence the gateway shows to people, in French, in one place (logs stay English)."""

INVALID_CREDENTIALS = "Identifiant ou mot de passe incorrect"
TOO_MANY_SIGN_IN_ATTEMPTS = "Trop de tentatives de connexion : réessayez dans quelques instants"
SESSION_ENDED = "Session terminée : reconnectez-vous"
INVALID_DEVICE = "Appareil inconnu ou retiré : associez-le à nouveau"
PAIRING_QR_TITLE = "Associer un appareil mobile à l'ENT"
