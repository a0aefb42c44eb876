"""Signal handlers: the framework's revision follows every change of its structure.

Why signals rather than the services: a framework's domains, aspects and indicators are
changed by the loader command, by the Django admin and by tests' factories; a handler
on the models catches all of them. Bulk `update()` and `bulk_create()` do not send
signals: code that changes indicators that way must call `bump_revision` itself.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from evaluations.models import Aspect, Domain, Framework, Indicator


def bump_revision(framework_id: int | None) -> None:
    """Mark the framework as changed for every process's indicator cache."""
    if framework_id is not None:
        Framework.objects.filter(pk=framework_id).update(revision=F("revision") + 1)


def _framework_id(instance) -> int | None:
    if isinstance(instance, Aspect):
        # An aspect knows its framework only through its domain.
        domains = Domain.objects.filter(pk=instance.domain_id)
        return domains.values_list("framework_id", flat=True).first()
    return instance.framework_id


@receiver(post_save, sender=Domain)
@receiver(post_save, sender=Aspect)
@receiver(post_save, sender=Indicator)
@receiver(post_delete, sender=Domain)
@receiver(post_delete, sender=Aspect)
@receiver(post_delete, sender=Indicator)
def _structure_changed(sender, instance, **kwargs):
    bump_revision(_framework_id(instance))
