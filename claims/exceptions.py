"""The errors the editorial rules raise; a leaf module so models, services and APIs share them."""


class WorkflowError(Exception):
    """A change the rules do not allow; the message is shown to the editor as is."""


class NotAllowed(WorkflowError):
    """The user's role does not allow this change."""
