"""digitrec/page.py: a page photographed askew on a table is found and laid flat."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import photos_read_right

from digitrec import page as page_module
from digitrec import synthetic
from digitrec.page import INSET, find_page, flat_page


def page_on_table(angle: float, size=(480, 640), page=(300, 220), table=60, paper=215):
    """A light page turned by `angle` degrees on a darker table, a dark bar written on it;
    returns the RGB picture and the page's corners (top left first, clockwise)."""
    height, width = size
    rng = np.random.default_rng(0)
    picture = np.clip(rng.normal(table, 6, (height, width)), 0, 255)
    centre = np.array([width / 2, height / 2])
    half = np.array(page, float) / 2
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    turn = np.radians(angle)
    rotation = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    corners = square @ rotation.T + centre
    cv2.fillConvexPoly(picture, np.rint(corners).astype(np.int32), paper)
    stroke = np.array([[0, -0.5], [0, 0.5]]) * half[1] @ rotation.T + centre
    cv2.line(picture, *(tuple(int(v) for v in p) for p in stroke), 40, 8)
    picture = np.clip(picture + rng.normal(0, 3, picture.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB), corners


@pytest.mark.parametrize("angle", [-40, -25, -10, 0, 15, 30, 40])
def test_a_page_on_a_table_is_found_by_its_corners(angle):
    picture, corners = page_on_table(angle)
    found = find_page(picture)
    assert found is not None
    assert np.abs(found - corners).max() < 8  # pixels, the top left corner first


@pytest.mark.parametrize("angle", [-25, 0, 20])
def test_a_page_half_in_shade_is_found_whole(angle, monkeypatch):
    """The page's left part in shade (light falling off across it, a hand's shadow) is darker
    than Otsu's split between page and table: the light region ends inside the page, where the
    shade deepens rather than at an edge. A lower threshold finds the rest of it."""
    picture, corners = page_on_table(angle)
    gray = picture[..., 0].astype(np.float32)
    page = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(page, np.rint(corners).astype(np.int32), 1)
    left, right = corners[:, 0].min(), corners[:, 0].max()
    light = np.clip(0.45 + 0.55 * (np.arange(gray.shape[1]) - left) / (right - left), 0.45, 1.0)
    shaded = np.where(page > 0, gray * light[None, :], gray).astype(np.uint8)
    picture = cv2.cvtColor(shaded, cv2.COLOR_GRAY2RGB)
    assert np.abs(find_page(picture) - corners).max() < 8
    monkeypatch.setattr(page_module, "PAGE_DIMMER", ())
    assert np.abs(find_page(picture) - corners).max() > 30  # its lit part alone


@pytest.mark.parametrize("angle", [0, 12, -25])
@pytest.mark.parametrize("side", ["left", "top", "right", "bottom"])
def test_a_page_running_off_the_photo_is_found_by_the_corners_in_view(angle, side):
    picture, corners = page_on_table(angle, size=(480, 640), page=(420, 320))
    height, width = picture.shape[:2]
    keep = {  # the photo's frame moved in so that it cuts off a fifth of the page
        "left": (slice(None), slice(int(corners[:, 0].min()) + 84, None)),
        "top": (slice(int(corners[:, 1].min()) + 64, None), slice(None)),
        "right": (slice(None), slice(None, int(corners[:, 0].max()) - 84)),
        "bottom": (slice(None, int(corners[:, 1].max()) - 64), slice(None)),
    }[side]
    cut = picture[keep]
    shift = np.array([keep[1].start or 0, keep[0].start or 0], float)
    found = find_page(cut)
    assert found is not None
    found = found + shift  # back in the whole picture's pixels
    inside = ((corners >= shift) & (corners < shift + cut.shape[1::-1])).all(axis=1)
    assert 1 <= inside.sum() <= 3  # the page runs off the photo
    assert np.abs(found[inside] - corners[inside]).max() < 8  # the corners in view, in order
    top = found[1] - found[0]
    assert abs(np.degrees(np.arctan2(top[1], top[0])) + angle) < 2  # the page's own turn


def test_light_with_no_page_corner_in_view_is_no_page():
    rng = np.random.default_rng(3)
    kinds = ("a shadow's straight edge", "a pool of light", "a shadow and light fading")
    for lit in (*kinds, "a shadow and a pen's stroke"):
        picture = np.clip(rng.normal(70, 6, (480, 640)), 0, 255)
        if lit == "a shadow's straight edge":  # the lit part of the paper: one straight side
            cv2.fillConvexPoly(picture, np.int32([[0, 0], [400, 0], [250, 480], [0, 480]]), 200)
        elif lit == "a pool of light":
            cv2.ellipse(picture, (320, 380), (250, 200), 0, 0, 360, 200, -1)  # off the foot
        elif lit == "a shadow and light fading":  # light on two straight sides, one soft
            picture = np.tile(np.linspace(230, 60, 640), (480, 1)) + rng.normal(0, 3, (480, 640))
            picture[330:] *= 0.45
        else:  # the lit part of the paper ends at a shadow's edge and at a broad pen stroke
            picture = np.full((480, 640), 100.0) + rng.normal(0, 3, (480, 640))
            cv2.fillConvexPoly(picture, np.int32([[0, 150], [300, 150], [340, 480], [0, 480]]), 210)
            cv2.line(picture, (0, 140), (330, 140), 25, 30)
        cv2.line(picture, (300, 260), (300, 420), 40, 10)  # writing on it
        picture = cv2.cvtColor(picture.astype(np.uint8), cv2.COLOR_GRAY2RGB)
        assert find_page(picture) is None, lit


def test_the_page_laid_flat_stands_upright():
    picture, _ = page_on_table(30)
    flat, back = flat_page(picture)
    inner = 1 - 2 * INSET  # the page less its edge
    assert abs(flat.shape[1] - 300 * inner) < 4 and abs(flat.shape[0] - 220 * inner) < 4
    gray = cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY)
    ys, xs = np.nonzero(gray < 128)  # the stroke written across the page, top to bottom
    assert np.ptp(xs) < 15 and np.ptp(ys) > 80  # upright again
    middle = back @ np.array([flat.shape[1] / 2, flat.shape[0] / 2, 1.0])
    assert np.allclose(middle[:2] / middle[2], (320, 240), atol=3)  # maps back onto the photo


def test_no_page_is_looked_for_where_there_is_none(sample):
    scan = synthetic.scan(sample.x_test[0], np.random.default_rng(1))
    assert find_page(scan) is None  # the paper reaches the picture's edges
    picture, _ = page_on_table(20, table=150, paper=170)
    assert find_page(picture) is None  # a table hardly darker than the page
    # A light digit on a dark picture made on a computer (a stretched 1 as a 16x16 set stores
    # it, over a whole canvas) is a light quadrilateral on dark too: never a page.
    block = np.zeros((280, 280, 3), np.uint8)
    block[40:240, 90:190] = 255
    assert find_page(block) is None
    assert find_page(np.dstack([block, np.full((280, 280), 128, np.uint8)])) is None


def test_a_blank_page_on_a_table_is_no_page_to_lay_flat():
    picture, _ = page_on_table(20)
    gray = picture[..., 0]
    picture[(gray < 100) & (cv2.blur(gray, (41, 41)) > 100)] = 215  # the stroke wiped off
    assert find_page(picture) is None


def test_digits_photographed_on_a_page_askew_on_a_table_are_read(recognizer, sample):
    right = photos_read_right(recognizer, sample, synthetic.on_table, 40, seed=2)
    assert right >= 34  # 85%; the page taken as it lies read 6 of 40


def test_digits_photographed_close_the_page_running_off_the_photo_are_read(recognizer, sample):
    right = photos_read_right(recognizer, sample, synthetic.on_table_close, 40, seed=3)
    assert right >= 36  # 38 of 40; 16 before pages running off the photo were looked for


def test_a_number_on_a_page_askew_on_a_table_is_read_and_boxed_on_the_photo(recognizer, sample):
    rng = np.random.default_rng(3)
    digits = list(sample.x_test[[3, 1, 4, 1, 5]])
    ink = synthetic.on_a_sheet(synthetic.compose_number(digits, rng, marks=False), rng)
    photo = synthetic.on_table(synthetic.render_number(ink, "photo", rng), rng)
    reading = recognizer.read_number(photo)
    assert reading.text == "".join(map(str, sample.y_test[[3, 1, 4, 1, 5]]))
    corners = find_page(photo)
    for digit in reading.digits:  # each box on the photo, within the page
        x, y, w, h = digit.box
        centre = (float(x + w / 2), float(y + h / 2))
        assert cv2.pointPolygonTest(corners.reshape(-1, 1, 2), centre, False) > 0
