"""Scan a QR poster the way a phone would: read the picture in the file, then decode it with zxing-cpp, a
reader independent of the library that wrote it.

    code = scan(Path("poster.png"))   # or poster.svg
    assert code.text == "https://…/?start=ar-gesundheit" and code.ec_level in ("Q", "H")

The readers here know only what a picture needs: PNG greyscale or palette images without interlacing,
and SVGs drawn as horizontal strokes (M, m, h), as segno writes them. Anything else fails loudly.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp

SVG_NS = "{http://www.w3.org/2000/svg}"
_PATH_STEP = re.compile(r"([MmHh])([-0-9. ]*)")


def scan(path: Path) -> Any:
    """The one QR code in the picture at `path` (a zxingcpp.Barcode: text, format, ec_level)."""
    pixels = read_png(path) if path.suffix == ".png" else read_svg(path)
    found = zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"{path}: {len(found)} QR codes found"
    return found[0]


def read_png(path: Path) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The image as grey values 0-255."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, palette = 8, b"", None
    header: tuple[int, ...] = ()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"PNG chunk {kind!r} is damaged"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [sum(body[i : i + 3]) // 3 for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert colour in (0, 3) and depth in (1, 2, 4, 8) and interlace == 0, f"unsupported PNG {header}"
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    bpp = max(1, depth // 8)
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, up_left = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind_of_filter == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind_of_filter == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind_of_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind_of_filter == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(line)
        previous = line
    top = (1 << depth) - 1
    image = np.zeros((height, width), dtype=np.uint8)
    for y, line in enumerate(rows):
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & top
            image[y, x] = palette[value] if palette is not None else value * 255 // top
    return image


def read_svg(path: Path, pixels_per_unit: int = 4) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The SVG's dark strokes painted on white (it must be well-formed XML)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg", root.tag
    paths = root.findall(f".//{SVG_NS}path")
    assert len(paths) == 1, "one path expected"
    scale = 1.0
    if match := re.fullmatch(r"scale\(([0-9.]+)\)", paths[0].get("transform", "scale(1)")):
        scale = float(match.group(1))
    width = round(float(root.get("width", "0")) / scale)
    height = round(float(root.get("height", "0")) / scale)
    units = np.full((height, width), 255, dtype=np.uint8)
    x = y = 0.0
    steps = _PATH_STEP.findall(paths[0].get("d", ""))
    assert "".join(c + n for c, n in steps) == paths[0].get("d"), "a path with more than M, m, h"
    for command, numbers in steps:
        args = [float(n) for n in re.findall(r"-?[0-9.]+", numbers)]
        if command in "Mm":
            x, y = (args[0], args[1]) if command == "M" else (x + args[0], y + args[1])
        else:
            end = args[0] if command == "H" else x + args[0]
            units[int(y), int(min(x, end)) : int(max(x, end))] = 0  # a stroke 1 unit wide, centred on y
            x = end
    return np.kron(units, np.ones((pixels_per_unit, pixels_per_unit), dtype=np.uint8)).astype(np.uint8)
