"""The one error a service raises when the data it was given breaks a rule.

``FieldErrors.errors`` maps a field name to its (translated) message. A key the form does
not have, ``"__all__"`` for instance, is an error about the whole form; commands print the
keys as they are, so a key may also name a file and key (``"seller.toml, key 'iban'"``).
``str()`` reads ``"field: message; other: message"``. Views put the messages on the form
with ``hostkontor.core.forms.form_add_errors``.
"""


class FieldErrors(ValueError):
    """The data breaks one or more rules; ``errors`` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
