"""Rules about clinicians shared by the models, the forms and the roster import."""

from django.core.exceptions import ValidationError

# Credentials Rounds accepts after a clinician's name. Several may be combined: "MD, PhD".
CREDENTIALS = (
    "MD",
    "DO",
    "MBBS",
    "PhD",
    "MPH",
    "MS",
    "NP",
    "APRN",
    "FNP-BC",
    "DNP",
    "PA",
    "PA-C",
    "RN",
    "CNM",
    "PharmD",
    "PsyD",
    "LICSW",
    "RD",
)
_CANONICAL = {credential.upper(): credential for credential in CREDENTIALS}


def normalize_credentials(value: str) -> str:
    """Return the credentials in their usual spelling ("md, phd" -> "MD, PhD"), or raise
    ValidationError naming the ones Rounds does not know."""
    parts = [part.strip().replace(".", "") for part in value.replace("/", ",").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ValidationError("Credentials are required, e.g. MD, DO, NP or PA-C.")
    unknown = [part for part in parts if part.upper() not in _CANONICAL]
    if unknown:
        raise ValidationError(
            "Unknown credentials: %(unknown)s (expected e.g. MD, DO, NP, PA-C).",
            params={"unknown": ", ".join(unknown)},
        )
    return ", ".join(_CANONICAL[part.upper()] for part in parts)


def validate_credentials(value: str) -> None:
    normalize_credentials(value)
