"""Domain errors: services raise these for expected failures; views show them to people."""

# How many problems (rows, errors) one message or report lists at most.
PROBLEMS_SHOWN = 20


class ShopCtrlError(Exception):
    """An expected failure with a message a person can act on.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
