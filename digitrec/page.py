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

A photo taken close cuts the page off on one side or two, the table beside it on the others
(TABLE_SHOWS of the border at least). Then the page's outline is the frame where it was cut and
its own sides elsewhere: these must lie along two axes at a right angle, with a corner of the
page in view, and each must be an edge (the paper darker just past it: light fading across a
page, or a shadow's edge, draws straight sides too). The page's corners are where its sides
cross, the frame's cut standing in for a side that does not show; the flat page is blank paper
of its colour where the photo ends.

Measured on the CNN's validation digits (benchmarks --digits validation; synthetic.on_table:
the page turned by 10-40 degrees, seen a little from the side): 400 single digits so
photographed, 60 read right taking the picture as it was, 389 with the page laid flat (394
once a page running off the picture was looked for too); 200 numbers on a sheet of a cheque's
shape so photographed, 0 and 182 read exactly (189 of the same sheets photographed from
above). 300 pictures of each other kind (canvases, scans, ruled paper, tight crops, photos,
photos with a hard shadow, cheques, boxes cut at their line): no page found in any (without
MIN_PHOTO, with TABLE_BORDER 0.6 and corners allowed on the picture's edge, a box cut at its
line was taken for a page 32 times, a hard shadow's lit part 11 times). Photos taken close
(synthetic.on_table with close=True: the page turned by 0-30 degrees, the frame cutting into
it on one side or two): 300 single digits, 120 read right before such pages were looked for,
295 after (the page found in 289); 200 numbers on a sheet, 26 and 182 read exactly. Without
the step test at each side, a hard shadow's lit part was taken for a page 5 times in 300 and
a photo's lit half twice (the light fading across the paper drew the second side); with
EDGE_ANGLE 8, a page seen askew lost a side to its twin across the page (a number's sheet
read as far as the table).

A page partly in shade (light falling off across it, a hand's or the phone's shadow) is darker
there than Otsu's split between page and table: the light region ends inside the page, where
the shade deepens, and that side of it is no edge (EDGE_STEP). Then lower thresholds are tried
(PAGE_DIMMER, shares of the way down to the table's tone), and the lowest that still outlines
a page in view is taken; before, such a number's first digits were left off the flat page.
200 numbers of validation digits on a sheet askew on a table: 181 -> 184 read exactly; 400
single digits so photographed 389 -> 392 (the page found in 391 either way), 400 close-ups
390 as before; still no page found in 200 each of scans, photos, cheques, ruled paper, tight
crops, photos with a hard shadow, with glare or folded, and canvases.
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
# A page running off the picture (a photo taken close; see _cut_page):
TABLE_SHOWS = 0.35  # of the picture's border at least is darker than the page
CUT_AREA = 0.95  # of the picture at most is the page's part in view
CUT_SIDES = 0.005  # of its length the outline is simplified to within (its corners kept sharp)
OWN_SIDE = 0.04  # of the outline's length a side is at least to show the page's turn
AXES_SHARE = 0.6  # of the own sides' length at least lies along the page's axes
EDGE_ANGLE = 12.0  # degrees: the most that a side may be off the page's axes (seen askew)
CORNER_SIDE = 0.1  # of the outline's length each of two sides at a right angle is at least
TABLE_EVEN = 2.5  # times darker past one of the page's sides than past another at most
STEP_REACH = 3  # pixels (of the sampled picture) either side of a page's side it is seen at
EDGE_STEP = 25  # grey levels at least between the two: a page's edge, not light fading
INSET = 0.02  # the page's edge is left out: its corners are moved in by this share of it
PAGE_DIMMER = (0.25, 0.5, 0.75)  # lower thresholds: these shares of the way to the table


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
    back = np.linalg.inv(to_page)
    # Where the page ran off the photo, the flat page is blank paper of its colour: repeating
    # the photo's last pixels would draw the strokes that reach its edge on as streaks.
    flat = cv2.warpPerspective(
        photo,
        to_page,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=_paper(photo, back, width, height),
    )
    return flat, back


def _paper(photo: np.ndarray, back: np.ndarray, width: int, height: int) -> tuple:
    """The page's colour: the median of a 16x16 grid of its points (the page `width` x
    `height`, mapped onto `photo` by `back`) that lie in the photo; the writing covers few."""
    grid = np.stack(np.meshgrid(np.linspace(0, width - 1, 16), np.linspace(0, height - 1, 16)))
    points = cv2.perspectiveTransform(grid.reshape(2, -1).T[None].astype(np.float32), back)[0]
    points = np.rint(points).astype(int)
    seen = (points >= 0).all(axis=1) & (points < photo.shape[1::-1]).all(axis=1)
    colours = photo[points[seen, 1], points[seen, 0]].reshape(int(seen.sum()), -1)
    return tuple(float(v) for v in np.median(colours, axis=0)) if len(colours) else (255.0,)


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
    if min(small.shape) < 16:
        return None
    split, light = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if _table_border(light) < TABLE_SHOWS:
        return None  # the paper reaches the picture's edges: a scan, a crop
    if flat_corners(photo):  # made on a computer (see ink.flat_corners)
        return None
    found = _light_page(small, light, split)
    if found is None:
        return None
    corners, area = found
    if area and not _edged(small, corners):
        # A side where the light fades rather than the table begins: the page may go on past
        # it in shade (light falling off across it, a shadow). Lower thresholds, towards the
        # table's tone, find more of it: the lowest that still outlines a page is taken.
        table = float(np.median(small[light == 0]))
        for share in PAGE_DIMMER:
            lower = split - share * (split - table)
            _, dimmer = cv2.threshold(small, lower, 255, cv2.THRESH_BINARY)
            again = _light_page(small, dimmer, lower)
            if again is None or not again[1]:
                break
            corners = again[0]
    return corners * np.float32(step) + np.float32((step - 1) / 2)


def _light_page(
    small: np.ndarray, light: np.ndarray, split: float
) -> tuple[np.ndarray, float] | None:
    """The page that the light region of `small` (a sampled gray photo; `light` its pixels over
    `split`) shows: its four corners, and its area where it is all in view (0 where it runs off
    the picture); None when the region is no page's."""
    height, width = small.shape
    table_border = _table_border(light)
    if table_border < TABLE_SHOWS:
        return None
    contours, _ = cv2.findContours(light, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if not PAGE_AREA[0] <= area / (height * width) <= CUT_AREA:
        return None
    hull = cv2.convexHull(outline)
    polygon = _polygon(hull, width, height)
    if polygon is None or not PAGE_FILL[0] <= area / cv2.contourArea(polygon) <= PAGE_FILL[1]:
        return None
    polygon = polygon.reshape(-1, 2).astype(np.float32)
    edge = _on_edge(polygon, width, height)
    if not edge.any():
        if len(polygon) != 4 or table_border < TABLE_BORDER or area > PAGE_AREA[1] * height * width:
            return None
        corners = _ordered(polygon)
        sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
        if sides.max() > PAGE_ASPECT * sides.min():
            return None
    else:
        corners = _cut_page(polygon, edge, small)
        if corners is None:
            return None
        area = 0.0
    inside = np.zeros_like(light)
    cv2.fillConvexPoly(inside, polygon.astype(np.int32), 255)
    page, table = small[inside > 0], small[inside == 0]
    if float(np.median(page)) - float(np.median(table)) < PAGE_CONTRAST:
        return None
    if np.count_nonzero(page < split) < 0.002 * page.size:
        return None  # a blank page (or a light blot): nothing written to lay flat
    return corners, float(area)


def _table_border(light: np.ndarray) -> float:
    """The share of a thresholded picture's border that is dark (the table, not the page)."""
    border = np.concatenate([light[0], light[-1], light[:, 0], light[:, -1]])
    return np.count_nonzero(border == 0) / border.size


def _edged(small: np.ndarray, corners: np.ndarray) -> bool:
    """Whether each side of a page's four corners in `small` is an edge: EDGE_STEP darker just
    outside it than inside (see _step)."""
    centre = corners.mean(axis=0)
    ends = np.roll(corners, -1, axis=0)
    steps = (_step(small, a, b, centre)[0] for a, b in zip(corners, ends, strict=True))
    return all(step >= EDGE_STEP for step in steps)


def _polygon(hull: np.ndarray, width: int, height: int) -> np.ndarray | None:
    """A convex outline simplified: where it reaches the picture's frame (the page runs off
    it), to within CUT_SIDES of its length (up to 12 corners: a page cut by the frame, its
    corners kept sharp); else to the fewest corners it takes, as little as it takes (SIDES): 4
    for a page in view. None when neither fits (a round blot)."""
    length = cv2.arcLength(hull, True)
    fine = cv2.approxPolyDP(hull, CUT_SIDES * length, True)
    if _on_edge(fine.reshape(-1, 2), width, height).any():
        return fine if len(fine) <= 12 else None
    for share in SIDES:
        corners = cv2.approxPolyDP(hull, share * length, True)
        if len(corners) <= 4:
            return corners if len(corners) == 4 else None
    return None


def _on_edge(polygon: np.ndarray, width: int, height: int) -> np.ndarray:
    """For each corner of `polygon` ((N, 2)), whether it lies on the picture's frame: (N, 4)
    bool, one column per side (left, top, right, bottom)."""
    x, y = polygon[:, 0], polygon[:, 1]
    return np.stack([x <= 1, y <= 1, x >= width - 2, y >= height - 2], axis=1)


def _cut_page(polygon: np.ndarray, edge: np.ndarray, small: np.ndarray) -> np.ndarray | None:
    """The four corners of a page that runs off the picture, from the light `polygon` ((N, 2),
    in order) whose corners `edge` says lie on the frame; None when the outline is no page's.

    The page's own sides are the polygon's sides that do not run along the frame (or across
    its corner), OWN_SIDE long or more, each an edge: at least EDGE_STEP darker just outside it
    than inside (light fading across the paper draws straight sides too). The page's axes are
    those along which the most of their length lies (within EDGE_ANGLE), at least AXES_SHARE of
    it (a shadow or a dim corner may bite off the rest), and two of them, CORNER_SIDE long or
    more, lie at a right angle (a corner of the page in view), and what lies past them is one
    table (its tone within TABLE_EVEN: a lit patch may be bounded by a shadow on one side and
    a pen's stroke on another). The corners returned are where the page's sides cross: its
    longest own side on each side of it, or where none shows, the polygon's furthest extent
    that way (the frame cut the page off there: such corners lie outside the picture)."""
    ends = np.roll(polygon, -1, axis=0)
    along_frame = edge.any(axis=1) & np.roll(edge, -1, axis=0).any(axis=1)
    vectors = ends - polygon
    lengths = np.linalg.norm(vectors, axis=1)
    centre = polygon.mean(axis=0)
    seen = np.array([_step(small, polygon[k], ends[k], centre) for k in range(len(polygon))])
    steps, beyond = seen[:, 0], seen[:, 1]
    # Light fading across a side (the paper lit unevenly) is no page's edge, nor a side too near
    # the frame to see past.
    own = ~along_frame & (lengths >= OWN_SIDE * lengths.sum()) & (steps >= EDGE_STEP)
    if np.count_nonzero(own) < 2:
        return None
    angles = np.degrees(np.arctan2(vectors[:, 1], vectors[:, 0]))
    best, turn, square = 0.0, 0.0, own
    for k in np.flatnonzero(own):  # each own side's axes, tried in turn
        off = (angles - angles[k] + 45) % 90 - 45  # each side's departure from these axes
        agree = own & (np.abs(off) <= EDGE_ANGLE)
        if lengths[agree].sum() > best:
            best, square = lengths[agree].sum(), agree
            turn = angles[k] + np.average(off[agree], weights=lengths[agree])
    if best < AXES_SHARE * lengths[own].sum():
        return None  # a curved outline: a pool of light, a shadow's edge
    # A corner of the page in view: a long side along each of its axes (a digit's stroke at
    # the edge of a lit patch is an edge too, but a short one).
    long = square & (lengths >= CORNER_SIDE * lengths.sum())
    across = np.abs((angles - turn) % 180 - 90) <= EDGE_ANGLE
    if not ((long & across).any() and (long & ~across).any()):
        return None  # no two sides at a right angle: a strip of light, a shadow's edge
    if (beyond[square].max() + 10) > TABLE_EVEN * (beyond[square].min() + 10):
        return None  # a table's tone on one side, a pen stroke's on another: light on paper
    turn = np.radians((turn + 45) % 90 - 45)
    rotation = np.float32([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    upright = polygon @ rotation.T  # the page's sides now nearly level and plumb
    low, high = upright.min(axis=0), upright.max(axis=0)
    # Each of the page's sides (top, right, bottom, left) as a point and a direction: its
    # longest own side where one shows (seen at a slant, the page's sides are not quite
    # parallel), else the line where the frame cut it off (the polygon's extent that way).
    lines = [
        ((low[0], low[1]), (1.0, 0.0)),
        ((high[0], low[1]), (0.0, 1.0)),
        ((high[0], high[1]), (1.0, 0.0)),
        ((low[0], high[1]), (0.0, 1.0)),
    ]
    middle_of = (low + high) / 2
    for k in sorted(np.flatnonzero(square), key=lambda k: lengths[k]):  # the longest last
        start, end = upright[k], upright[(k + 1) % len(upright)]
        middle, direction = (start + end) / 2, (end - start) / lengths[k]
        level = abs(direction[0]) > abs(direction[1])
        if level:
            which = 0 if middle[1] < middle_of[1] else 2
        else:
            which = 3 if middle[0] < middle_of[0] else 1
        lines[which] = (tuple(middle), tuple(direction))
    corners = np.float32([_crossing(lines[k - 1], lines[k]) for k in range(4)])  # TL, TR, ...
    return corners @ rotation  # back onto the picture


def _step(
    small: np.ndarray, start: np.ndarray, end: np.ndarray, centre: np.ndarray
) -> tuple[float, float]:
    """How much darker `small` is just outside the side from `start` to `end` (of a convex
    outline around `centre`) than just inside it, and how dark it is outside: medians over
    points along its middle, STEP_REACH pixels either way; (0, 0) where none of them lies in
    the picture."""
    direction = (end - start) / max(float(np.linalg.norm(end - start)), 1e-6)
    normal = np.float32([direction[1], -direction[0]])
    if np.dot(normal, (start + end) / 2 - centre) < 0:
        normal = -normal  # pointing out of the outline
    along = start + np.linspace(0.2, 0.8, 16)[:, None] * (end - start)
    inside = np.rint(along - STEP_REACH * normal).astype(int)
    outside = np.rint(along + STEP_REACH * normal).astype(int)
    size = np.array(small.shape[1::-1])
    seen = ((inside >= 0) & (inside < size) & (outside >= 0) & (outside < size)).all(axis=1)
    if not seen.any():
        return 0.0, 0.0
    light = small[inside[seen, 1], inside[seen, 0]].astype(np.float32)
    dark = small[outside[seen, 1], outside[seen, 0]].astype(np.float32)
    return float(np.median(light - dark)), float(np.median(dark))


def _crossing(first, second) -> np.ndarray:
    """Where two lines, each (point, direction), cross."""
    (p, d), (q, e) = ((np.asarray(v, np.float64) for v in line) for line in (first, second))
    along = np.linalg.solve(np.array([d, -e]).T, q - p)
    return p + along[0] * d


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
