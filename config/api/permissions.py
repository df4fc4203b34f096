"""Who may call what (DEFAULT_PERMISSION_CLASSES); views narrow what each client sees."""

from __future__ import annotations

from rest_framework import permissions


class ReadOrEditorial(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads (views narrow what); writing needs the model permission of the role."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS and not self.perms_map.get(request.method):
            # No model permission to ask for: skip building the view's queryset (a good part
            # of a detail read) only to learn its model.
            return bool(request.user)
        return super().has_permission(request, view)
