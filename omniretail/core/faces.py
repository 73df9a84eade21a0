"""Faces in a photo, found with OpenCV's bundled frontal-face detector (Haar cascade; no model
download, no network): the face step-up takes a photo with exactly one face, and a counter's
camera snapshot is stored with every face pixelated. The search runs on a copy scaled down
until the smallest face it looks for is the detector's own 24 px window (at most 1024 px
long), and the boxes are mapped back: the detector's cost grows with the pixels it scans at
its smallest window, so it never scans finer than the faces it is asked for. A face smaller
than 1/8 of the shorter side does not count as a portrait's; in a snapshot every face down to
1/20 of the shorter side (36 px of a 1280 × 720 frame) is blurred."""

import functools

WINDOW = 24  # the frontal-face cascade's own window, in pixels
PORTRAIT_SHARE = 8  # a portrait's face is at least 1/8 of the photo's shorter side
BLUR_SHARE = 20  # a snapshot's faces are blurred down to 1/20 of its shorter side


@functools.cache
def _detector():
    import cv2  # loaded on the first face check, not by every process that imports this

    cascades = cv2.data.haarcascades  # type: ignore[attr-defined]  # the stubs omit cv2.data
    return cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")


def _decoded(image: bytes, flags: int):
    import cv2
    import numpy

    return cv2.imdecode(numpy.frombuffer(image, numpy.uint8), flags)


def _faces(gray, *, min_share: int) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of each face, in the picture's own pixels."""
    import cv2

    scale = min(1.0, 1024 / max(gray.shape), WINDOW * min_share / min(gray.shape))
    small = gray
    if scale < 1.0:
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    side = max(WINDOW, min(small.shape) // min_share)
    found = _detector().detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=5, minSize=(side, side)
    )
    return [
        (int(x / scale), int(y / scale), int(w / scale), int(h / scale)) for x, y, w, h in found
    ]


def count(image: bytes) -> int | None:
    """How many portrait-sized faces the photo holds; None when it is not a picture."""
    import cv2

    gray = _decoded(image, cv2.IMREAD_GRAYSCALE)
    if gray is None:
        return None
    return len(_faces(gray, min_share=PORTRAIT_SHARE))


def blurred(image: bytes) -> tuple[bytes, int]:
    """The photo as a JPEG with every face found pixelated, and how many there were; the
    bytes unchanged when none was found or they are not a picture (the upload path decides
    what to refuse)."""
    import cv2

    picture = _decoded(image, cv2.IMREAD_COLOR)
    if picture is None:
        return image, 0
    boxes = _faces(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY), min_share=BLUR_SHARE)
    for x, y, w, h in boxes:
        face = picture[y : y + h, x : x + w]
        tiny = cv2.resize(face, (6, 6), interpolation=cv2.INTER_AREA)
        picture[y : y + h, x : x + w] = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_NEAREST)
    if not boxes:
        return image, 0
    ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return (encoded.tobytes() if ok else image), len(boxes)
