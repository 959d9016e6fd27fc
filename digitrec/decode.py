"""Decoding: whatever a user hands over -> a uint8 array, or an ImageError saying why not.

    read_image   a file path, raw file bytes or a PIL image -> (H, W), (H, W, 3) or (H, W, 4)
    to_array     the same, but an array passes as it is
    as_uint8     any numeric array -> uint8 (floats in [0, 1] or [0, 255], bool, 16-bit)

The first step of digitrec.preprocess; nothing here knows about digits.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

MAX_PIXELS = 50_000_000  # decoding a bigger image costs GBs of memory; ask the user to resize
WORK_SIDE = 448  # images are shrunk to this longest side first: ample for one line of digits
MIN_WORK_SIDE = 112  # one digit in a smaller image is enlarged to this (see ink._to_work_size);
# a number's image is not (enlarging rows by their longer side cost 0.3-1 point on the number
# benchmark), but one whose shorter side is under MIN_LINE_SIDE is enlarged to it
MIN_LINE_SIDE = 64


class ImageError(ValueError):
    """The input cannot be read as an image. The message says why, in one line."""


def read_image(source) -> np.ndarray:
    """Decode a file path, raw file bytes or a PIL image into a uint8 array.

    Returns (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA. Phone photos are turned upright (EXIF),
    animated images give their first frame, 16-bit images are scaled to 8 bits. Raises ImageError
    with a one-line reason for anything that is not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(
                f"no such file: {path}" if not path.exists() else f"not a file: {path}"
            )
        data = path.read_bytes()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "getbands"):  # already a PIL image
        return _pil_to_array(source)
    else:
        raise ImageError(f"cannot read an image from {type(source).__name__}")
    if not data:
        raise ImageError("the file is empty")
    fast = _plain_png(data)
    if fast is not None:
        return fast
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                # JPEG can decode at 1/2, 1/4 or 1/8 scale for free: big photos stay cheap.
                image.draft("RGB", (2 * WORK_SIDE, 2 * WORK_SIDE))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageError(
                    f"the image is too large ({width}x{height} pixels); "
                    f"resize it below {MAX_PIXELS // 1_000_000} megapixels"
                )
            image.seek(0)  # first frame of an animation
            image = ImageOps.exif_transpose(image)
            image.load()
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError("not an image file (or a format digitrec cannot read)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"the image is too large; resize it below {MAX_PIXELS // 1_000_000} megapixels"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(f"the image is damaged or truncated ({error})") from None
    return _pil_to_array(image)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _plain_png(data: bytes) -> np.ndarray | None:
    """An ordinary 8-bit gray, RGB or RGBA PNG decoded by OpenCV, else None (Pillow's turn).

    OpenCV decodes these 3-4x faster than Pillow (25 vs 88 us for a 28x28 digit), which counts
    in a batch of millions. Anything else (palettes, 16 bits, a transparent colour, EXIF, a
    damaged file) goes to Pillow, which reads them all and explains what is wrong.
    """
    if len(data) < 33 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    depth, colour = data[24], data[25]
    if depth != 8 or colour not in (0, 2, 6) or width * height > MAX_PIXELS:
        return None
    head = data[: data.find(b"IDAT")]
    if b"tRNS" in head or b"eXIf" in head:
        return None
    import cv2

    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None or array.shape[:2] != (height, width) or array.dtype != np.uint8:
        return None
    if array.ndim == 3:  # OpenCV's channel order is BGR(A)
        code = cv2.COLOR_BGRA2RGBA if array.shape[2] == 4 else cv2.COLOR_BGR2RGB
        array = cv2.cvtColor(array, code)
    return array


def _pil_to_array(image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit PNGs arrive as these
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if array.max() > 255 else 255.0
        return np.clip(array * (255.0 / top), 0, 255).astype(np.uint8)
    if mode == "F":
        return as_uint8(np.asarray(image, dtype=np.float32))
    if mode == "P":
        mode = "RGBA" if "transparency" in image.info else "RGB"
    elif mode in ("1", "L"):
        mode = "L"
    elif mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        mode = "RGBA"
    else:  # RGB, CMYK, YCbCr, LAB, HSV, ...
        mode = "RGB"
    return np.asarray(image.convert(mode))


def as_uint8(image: np.ndarray) -> np.ndarray:
    """Any numeric array -> uint8: floats in [0, 1] or [0, 255], bool, 16-bit, ..."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    if not np.issubdtype(image.dtype, np.number):
        raise ImageError(f"image has dtype {image.dtype}; expected numbers")
    image = np.nan_to_num(image.astype(np.float64))
    if np.issubdtype(image.dtype, np.floating) and image.size and image.max() <= 1.0:
        image = image * 255.0  # float images in [0, 1]
    if image.size and image.max() > 255:
        image = image * (255.0 / 65535.0)  # 16-bit
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def to_array(image) -> np.ndarray:
    """An array as it is; a path, bytes or PIL image decoded by read_image."""
    if isinstance(image, np.ndarray):
        return image
    return read_image(image)
