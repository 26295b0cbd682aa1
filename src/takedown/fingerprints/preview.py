"""Small, blurred previews of untrusted images for the review console, made on the server so
that a reviewer's browser never receives the full picture before a (logged) reveal."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter, ImageOps

from takedown.fingerprints.decode import Limits, open_image, pillow_errors

PREVIEW_WIDTH = 160
# The picture is first reduced to this many pixels across: no detail survives the blur.
BLUR_WIDTH = 12


def blurred_preview(
    data: bytes,
    *,
    blur: bool = True,
    greyscale: bool = True,
    width: int = PREVIEW_WIDTH,
    limits: Limits | None = None,
) -> bytes:
    """A JPEG `width` pixels across of the first frame, blurred and greyscale unless
    asked not to be. Raises a FingerprintError on anything that is not a safe image."""
    image = open_image(data, limits or Limits(max_bytes=len(data)))
    with pillow_errors(), image:
        image.draft("RGB", (width, width))  # JPEG: decode at a reduced scale
        picture = ImageOps.exif_transpose(image.convert("RGB"))
        height = max(round(picture.height * width / max(picture.width, 1)), 1)
        if blur:
            small = max(round(height * BLUR_WIDTH / width), 1)
            picture = picture.resize((BLUR_WIDTH, small), Image.Resampling.BOX)
            picture = picture.resize((width, height), Image.Resampling.BILINEAR)
            picture = picture.filter(ImageFilter.GaussianBlur(width / 24))
        else:
            picture = picture.resize((width, height), Image.Resampling.LANCZOS)
        if greyscale:
            picture = picture.convert("L")
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=70)
    return out.getvalue()
