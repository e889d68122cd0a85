"""Compare two PNG screenshots pixel by pixel, with nothing but the standard
library (Playwright writes 8-bit RGB or RGBA PNGs, not interlaced)."""

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the raw pixel rows, unfiltered."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    position = len(PNG_SIGNATURE)
    compressed = b""
    width = height = bpp = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in CHANNELS or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
            bpp = CHANNELS[colour]
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(compressed)
    stride = width * bpp
    rows = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = row[x - bpp] if x >= bpp else 0
            up = previous[x]
            up_left = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                row[x] = (row[x] + nearest) & 0xFF
        rows += row
        previous = row
    return width, height, bpp, bytes(rows)


def changed_pixels(first: bytes, second: bytes, *, tolerance: int = 40) -> int:
    """How many pixels differ by more than `tolerance` in any colour channel
    (small differences are anti-aliasing, not a focus indicator)."""
    w1, h1, bpp1, a = decode_png(first)
    w2, h2, bpp2, b = decode_png(second)
    if (w1, h1, bpp1) != (w2, h2, bpp2):
        raise ValueError("the screenshots are not the same size")
    changed = 0
    for start in range(0, len(a), bpp1):
        for channel in range(3):
            if abs(a[start + channel] - b[start + channel]) > tolerance:
                changed += 1
                break
    return changed
