"""digitrec/decode.py: files of every kind in, a uint8 array or a one-line ImageError out.

Each decoded file is also read through to_model_input: decoding is right when the digit
comes out as the same model input as the original array's.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from conftest import draw_digit_on_canvas, png_bytes, similarity
from PIL import Image

from digitrec.decode import ImageError, as_uint8, read_image, to_array
from digitrec.preprocess import to_model_input


@pytest.mark.parametrize(
    "image, expected",
    [
        (np.array([[0.0, 1.0]]), [0, 255]),
        (np.array([[0, 65535]], np.uint16), [0, 255]),
        (np.array([[False, True]]), [0, 255]),
        (np.array([[0.0, 128.0]]), [0, 128]),
    ],
    ids=["float-0-1", "16-bit", "bool", "float-0-255"],
)
def test_as_uint8_scales_each_kind(image, expected):
    assert as_uint8(image).tolist() == [expected]


def test_as_uint8_rejects_non_numbers():
    with pytest.raises(ImageError, match="expected numbers"):
        as_uint8(np.array([["a", "b"]]))


def test_to_array_passes_arrays_and_decodes_bytes(seven):
    digit = seven[0]
    assert to_array(digit) is digit
    assert np.array_equal(to_array(png_bytes(digit)), digit)


# --- files ------------------------------------------------------------------------------


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels (only the header: decoding it would take GBs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_read_image_paths_and_bytes_agree(tmp_path, seven):
    digit, _ = seven
    data = png_bytes(255 - draw_digit_on_canvas(digit, 100, (140, 140)))
    path = tmp_path / "seven.png"
    path.write_bytes(data)
    assert np.array_equal(read_image(path), read_image(data))
    assert np.array_equal(read_image(str(path)), read_image(data))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, I am text pretending to be a PNG", "not an image"),
        (huge_png_header(12000, 12000), "too large"),
        (12345, "cannot read"),
    ],
    ids=["empty", "text", "12000x12000", "an-int"],
)
def test_read_image_bad_input_raises_one_line(data, message):
    with pytest.raises(ImageError, match=message) as caught:
        read_image(data)
    assert "\n" not in str(caught.value)


def test_read_image_truncated_png_raises(seven):
    data = png_bytes(draw_digit_on_canvas(seven[0], 100, (140, 140)))
    with pytest.raises(ImageError, match="damaged or truncated"):
        read_image(data[: len(data) // 2])


def test_read_image_missing_file_raises(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_image(tmp_path / "nothing.png")


def test_read_image_16bit_png(seven):
    canvas = 255 - draw_digit_on_canvas(seven[0], 120, (140, 140))
    buffer = io.BytesIO()
    Image.fromarray(canvas.astype(np.uint16) * 257).save(buffer, format="PNG")
    image = read_image(buffer.getvalue())
    assert image.dtype == np.uint8 and abs(int(image.max()) - 255) <= 1
    assert similarity(to_model_input(image), seven[1]) > 0.9


def test_read_image_palette_png_with_transparency(seven):
    canvas = draw_digit_on_canvas(seven[0], 120, (140, 140))
    rgba = Image.fromarray(np.dstack([np.zeros_like(canvas)] * 3 + [canvas]))
    buffer = io.BytesIO()
    rgba.convert("P").save(buffer, format="PNG", transparency=0)
    assert to_model_input(buffer.getvalue()) is not None


def test_read_image_animated_gif_uses_first_frame(seven, sample):
    first = Image.fromarray(255 - draw_digit_on_canvas(seven[0], 120, (140, 140)))
    other_digit = sample.x_test[sample.y_test == 0][0]
    second = Image.fromarray(255 - draw_digit_on_canvas(other_digit, 120, (140, 140)))
    buffer = io.BytesIO()
    first.save(buffer, format="GIF", save_all=True, append_images=[second], duration=100)
    assert similarity(to_model_input(buffer.getvalue()), seven[1]) > 0.9


def test_read_image_phone_photo_is_turned_upright(seven):
    # A phone stores a sideways photo plus an EXIF note saying how to turn it.
    upright = 255 - draw_digit_on_canvas(seven[0], 120, (140, 140))
    sideways = Image.fromarray(np.rot90(upright).copy())
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation 6: the viewer turns it 90 degrees clockwise
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", exif=exif, quality=95)
    assert similarity(to_model_input(buffer.getvalue()), seven[1]) > 0.9


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "LA", "I;16", "RGB+tRNS"])
def test_read_image_png_fast_path_gives_what_pillow_gives(mode):
    from PIL import Image

    from digitrec.decode import _pil_to_array, _plain_png

    rng = np.random.default_rng(0)
    base = Image.fromarray(rng.integers(0, 255, (30, 40, 4), np.uint8), "RGBA")
    image = (
        base.convert(mode.split("+")[0]) if mode != "I;16" else base.convert("L").convert("I;16")
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **({"transparency": (1, 2, 3)} if "tRNS" in mode else {}))
    data = buffer.getvalue()
    expected = _pil_to_array(Image.open(io.BytesIO(data)))
    np.testing.assert_array_equal(read_image(data), expected)
    taken = _plain_png(data) is not None
    assert taken == (mode in ("L", "RGB", "RGBA"))  # the rest is Pillow's
