"""Finding the page in a photo of paper lying on a table, and laying it flat.

People photograph a form, a cheque or a note where it lies: askew on a desk, the table showing
all around it. The table is darker than the page and covers much of the picture, so taken as
it is the page itself looks like the ink (light on dark), and whatever is written on it is
turned with it, further than MNIST's writers ever leaned. A document scanner's first step
mends both: find the page's four corners and warp the page flat and upright.

    find_page(array)   the page's corners in the picture ((4, 2) float32: top left, top right,
                       bottom right, bottom left), or None when no page lies on a darker
                       surround (a scan, a crop, a canvas: nearly every picture)
    flat_page(array)   (the page warped flat, 3x3 matrix from its pixels to the picture's), or
                       None

The page is looked for on every few pixels (about SAMPLE_SIDE on the longer side), so a picture
without one costs a threshold and a look at its border. It is the light region that Otsu's
threshold finds, the largest, when the picture's border is mostly darker (the table) and the
region's outline is four straight sides (a quadrilateral: a page seen at an angle is one), with
ink inside it. Pictures made on a computer (flat corners: a 16x16 digit filling its frame) are
never searched: a bold 1 drawn there is a light quadrilateral on dark too.

Measured on the CNN's validation digits (benchmarks --digits validation; synthetic.on_table:
the page turned by 10-40 degrees, seen a little from the side): 400 single digits so
photographed, 60 read right taking the picture as it was, 389 with the page laid flat; 200
numbers on a sheet of a cheque's shape so photographed, 0 and 182 read exactly (189 of the
same sheets photographed from above). 300 pictures of each other kind (canvases, scans, ruled
paper, tight crops, photos, photos with a hard shadow, cheques, boxes cut at their line): no
page found in any (without MIN_PHOTO, with TABLE_BORDER 0.6 and corners allowed on the
picture's edge, a box cut at its line was taken for a page 32 times, a hard shadow's lit part
11 times).
"""

from __future__ import annotations

import cv2
import numpy as np

from digitrec.decode import as_uint8
from digitrec.ink import flat_corners

SAMPLE_SIDE = 200  # pixels on the longer side that the page is looked for at
MIN_PHOTO = 160  # pixels on the longer side: a smaller picture is a crop, not a photo of a table
TABLE_BORDER = 0.8  # at least this share of the picture's border is darker than the page
PAGE_AREA = (0.15, 0.8)  # the page covers this share of the picture
PAGE_ASPECT = 3.0  # its sides are within this ratio of each other (a 1's bar is narrower)
PAGE_CONTRAST = 40  # grey levels between the page's median and the table's
# The page's outline (its convex hull: a shadow or a light table may take a bite out of the
# region) is simplified to within the first of these shares of its length that leaves four
# corners.
SIDES = (0.02, 0.04, 0.06, 0.08)
# The light region's area over its quadrilateral's: a shadow may bite into the page; an oval of
# light (a lamp's pool, a vignette) spills over the four corners simplified from it. 0.8 at
# the bottom: 386 of the 400 digits below read right, 389 with 0.7 (no more pages found where
# there are none).
PAGE_FILL = (0.7, 1.1)
INSET = 0.02  # the page's edge is left out: its corners are moved in by this share of it


def find_page(array: np.ndarray) -> np.ndarray | None:
    """The corners of a page lying on a darker surround, in `array`'s pixels (see module)."""
    photo = _photo(array)
    return None if photo is None else _page_corners(photo)


def flat_page(array: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The page in `array` warped flat and upright (its edge left out; uint8, gray or RGB), and
    the 3x3 matrix that maps its pixels to `array`'s; None when there is no page on a darker
    surround."""
    photo = _photo(array)
    corners = None if photo is None else _page_corners(photo)
    if corners is None:
        return None
    centre = corners.mean(axis=0)
    corners = centre + (corners - centre) * np.float32(1.0 - 2 * INSET)
    top, right, bottom, left = (
        np.linalg.norm(corners[a] - corners[b]) for a, b in ((0, 1), (1, 2), (2, 3), (3, 0))
    )
    width, height = max(8, int(round(max(top, bottom)))), max(8, int(round(max(left, right))))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    to_page = cv2.getPerspectiveTransform(corners, target)
    flat = cv2.warpPerspective(
        photo, to_page, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return flat, np.linalg.inv(to_page)


def _photo(array: np.ndarray) -> np.ndarray | None:
    """`array` as a uint8 gray or RGB picture big enough to be a photo (MIN_PHOTO), or None:
    transparency (drawn, not photographed), or a shape or type the later steps judge."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        return None
    if max(array.shape[:2]) < MIN_PHOTO:
        return None
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        return None
    array = as_uint8(array)
    if array.ndim == 3 and array.shape[2] == 4:
        if array[..., 3].min() < 255:
            return None
        array = array[..., :3]
    return array


def _page_corners(photo: np.ndarray) -> np.ndarray | None:
    """find_page's work on a uint8 gray or RGB photo."""
    step = max(1, max(photo.shape[:2]) // SAMPLE_SIDE)
    small = photo[::step, ::step]
    if small.ndim == 3:
        small = cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY)
    small = np.ascontiguousarray(small)
    height, width = small.shape
    if min(height, width) < 16:
        return None
    split, light = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([light[0], light[-1], light[:, 0], light[:, -1]])
    if np.count_nonzero(border == 0) < TABLE_BORDER * border.size:
        return None  # the paper reaches the picture's edges: a scan, a crop
    if flat_corners(photo):  # made on a computer (see ink.flat_corners)
        return None
    contours, _ = cv2.findContours(light, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if not PAGE_AREA[0] <= area / (height * width) <= PAGE_AREA[1]:
        return None
    corners = _four_corners(cv2.convexHull(outline))
    if corners is None or not PAGE_FILL[0] <= area / cv2.contourArea(corners) <= PAGE_FILL[1]:
        return None
    corners = _ordered(corners.reshape(4, 2).astype(np.float32))
    if not ((corners >= 1) & (corners <= np.float32([width, height]) - 2)).all():
        return None  # a corner on the picture's edge: no table beyond it (a crop, a shadow)
    sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
    if sides.max() > PAGE_ASPECT * sides.min():
        return None
    inside = np.zeros_like(light)
    cv2.fillConvexPoly(inside, corners.astype(np.int32), 255)
    page, table = small[inside > 0], small[inside == 0]
    if float(np.median(page)) - float(np.median(table)) < PAGE_CONTRAST:
        return None
    if np.count_nonzero(page < split) < 0.002 * page.size:
        return None  # a blank page (or a light blot): nothing written to lay flat
    return corners * np.float32(step) + np.float32((step - 1) / 2)


def _four_corners(hull: np.ndarray) -> np.ndarray | None:
    """A convex outline simplified to four corners, as little as it takes (SIDES), or None."""
    length = cv2.arcLength(hull, True)
    for share in SIDES:
        corners = cv2.approxPolyDP(hull, share * length, True)
        if len(corners) <= 4:
            return corners if len(corners) == 4 else None
    return None


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Four corners (any order) -> top left, top right, bottom right, bottom left, with the page
    turned the least: the corner that comes first is the one whose side to the next is the
    most level of the two sides leaving the topmost corners."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    clockwise = corners[np.argsort(angles)]  # image coordinates: y down, so this is clockwise
    # Each choice of first corner turns the page by the angle of its top side; take the least.
    turns = []
    for k in range(4):
        a, b = clockwise[k], clockwise[(k + 1) % 4]
        turns.append(abs(np.arctan2(b[1] - a[1], b[0] - a[0])))
    first = int(np.argmin(turns))
    return np.roll(clockwise, -first, axis=0)
