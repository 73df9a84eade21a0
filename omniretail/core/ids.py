"""Opaque public identifiers: URLs and the API never show a row's integer key."""

from django.db import models
from ulid import ULID


def new_public_id() -> str:
    return str(ULID()).lower()


class PublicIdModel(models.Model):
    """Base for every model that leaves the building: a sortable, unguessable ULID."""

    public_id = models.CharField(
        max_length=26, unique=True, default=new_public_id, editable=False, db_index=True
    )

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
