"""Who may call what (DEFAULT_PERMISSION_CLASSES); views narrow what each client sees."""

from __future__ import annotations

from rest_framework import permissions


class ReadOrEditorial(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads (views narrow what); writing needs the model permission of the role."""
