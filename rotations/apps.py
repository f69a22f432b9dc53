from django.apps import AppConfig


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from events.signals import objects_leaving

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .models import Schedule
        from .receivers import clear_leaving_objects, refuse_deleting_published

        objects_leaving.connect(clear_leaving_objects, dispatch_uid="rotations.leaving")
        pre_delete.connect(
            refuse_deleting_published, sender=Schedule, dispatch_uid="rotations.published"
        )
