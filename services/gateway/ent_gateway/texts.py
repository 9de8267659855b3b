"""Every sentence the gateway shows to people, in French, in one place (logs stay English)."""

INVALID_CREDENTIALS = "Identifiant ou mot de passe incorrect"
