"""Photos and signatures from the courier's phone: checked, stripped of metadata, stored.

The phone shrinks a photo before it sends it (as a data URL); here the bytes
must really be a JPEG, PNG or WebP image of sensible size. The image is
decoded and encoded again, which leaves EXIF (GPS, camera, owner) behind.
A stored picture is shown through a signed link: the customer's tracking page
carries it, and nobody can guess another one.
"""

from __future__ import annotations

import base64
import binascii
import io
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from apps.fleet.models import DeliveryPhoto
from apps.orders.models import Order
from apps.org.models import StaffMember

MAX_BYTES = 3 * 1024 * 1024
MAX_SIDE = 4096
STORED_SIDE = 1600
ACCEPTED = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
SIGNING_SALT = "songda.delivery-photo"


def decode_data_url(data_url: str) -> bytes:
    header, _sep, encoded = data_url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise ValidationError(_("The picture did not arrive as an image."))
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(_("The picture is too large (at most 3 MB)."))
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationError(_("The picture did not arrive as an image.")) from error


def clean_image(raw: bytes) -> tuple[bytes, str]:
    """The image re-encoded without metadata, and its file extension."""
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("The picture did not arrive as an image.")) from error
    kind = image.format
    if kind not in ACCEPTED:
        raise ValidationError(_("Send the picture as a JPEG, PNG or WebP image."))
    if max(image.size) > MAX_SIDE:
        raise ValidationError(_("The picture is too large (at most 3 MB)."))
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    out = io.BytesIO()
    if kind == "JPEG" or image.mode not in ("RGBA", "LA", "P"):
        image.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue(), "jpg"
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), "png"


def photo_store(
    *, order: Order, courier: StaffMember, purpose: str, data_url: str, taken_at: datetime
) -> DeliveryPhoto:
    data, extension = clean_image(decode_data_url(data_url))
    photo = DeliveryPhoto(
        company_id=order.company_id,
        order=order,
        courier=courier,
        purpose=purpose,
        taken_at=taken_at,
    )
    photo.image.save(f"{order.number}-{purpose}.{extension}", ContentFile(data), save=False)
    photo.save()
    return photo


def photo_public_url(photo: DeliveryPhoto) -> str:
    token = signing.dumps(photo.pk, salt=SIGNING_SALT)
    return reverse("fleet:delivery_photo", args=[token])


def photo_for_token(token: str) -> DeliveryPhoto | None:
    try:
        pk = signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return None
    return DeliveryPhoto.objects.filter(pk=pk).first()
