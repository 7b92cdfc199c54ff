#!/usr/bin/python3
"""make.py - writes the PNG reader's fixtures (tests/test_image.c decodes each with srgan and
with stb_image and wants the same pixels): every colour type at every bit depth the format
allows, palettes with and without tRNS, tRNS keys on gray and RGB, each of the five row filters
(chosen per row, at random), and Adam7-interlaced copies, including a 3x2 image whose passes
are partly empty. A small PNG writer of its own (zlib from Python's standard library), so each
file has exactly the header it is named for. Run once; the files are committed."""
import random
import struct
import zlib

random.seed(7)
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))


def pack_row(samples, depth):
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc, nbits = acc << depth | s, nbits + depth
        if nbits == 8:
            out.append(acc), (acc := 0), (nbits := 0)
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filt(row, prev, bpp, f):
    out = bytearray([f])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]
        out.append((x - pred) & 255)
    return bytes(out)


def encode(pixels, w, h, ctype, depth):  # pixels: rows of tuples of samples
    n = SAMPLES[ctype]
    bpp = max(1, n * depth // 8)
    raw, prev = b"", None
    for y in range(h):
        row = pack_row([s for p in pixels[y] for s in p], depth)
        raw += filt(row, prev, bpp, random.randrange(5))
        prev = row
    return raw


def write(name, w, h, ctype, depth, pixels, interlace=0, plte=None, trns=None):
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = [pixels[y][x0::dx] for y in range(y0, h, dy)]
            if sub and sub[0]:
                raw += encode(sub, len(sub[0]), len(sub), ctype, depth)
    else:
        raw = encode(pixels, w, h, ctype, depth)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0,
                                                            interlace))
    if plte:
        data += chunk(b"PLTE", bytes(v for c in plte for v in c))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    z = zlib.compress(raw, 9)
    data += chunk(b"IDAT", z[:len(z) // 2]) + chunk(b"IDAT", z[len(z) // 2:])  # split stream
    data += chunk(b"tEXt", b"Comment\x00ancillary, skipped") + chunk(b"IEND", b"")
    open(name, "wb").write(data)


def image(w, h, n, hi):
    return [[tuple(random.randrange(hi + 1) for _ in range(n)) for _ in range(w)] for _ in range(h)]


W, H = 13, 11
for il in (0, 1):
    s = "-i" if il else ""
    for depth in (1, 2, 4, 8, 16):
        write(f"g{depth}{s}.png", W, H, 0, depth, image(W, H, 1, (1 << depth) - 1), il)
    for depth in (8, 16):
        hi = (1 << depth) - 1
        write(f"ga{depth}{s}.png", W, H, 4, depth, image(W, H, 2, hi), il)
        write(f"rgb{depth}{s}.png", W, H, 2, depth, image(W, H, 3, hi), il)
        write(f"rgba{depth}{s}.png", W, H, 6, depth, image(W, H, 4, hi), il)
    for depth in (1, 2, 4, 8):
        npal = min(1 << depth, 200)
        plte = [tuple(random.randrange(256) for _ in range(3)) for _ in range(npal)]
        write(f"p{depth}{s}.png", W, H, 3, depth, image(W, H, 1, npal - 1), il, plte)
    plte = [tuple(random.randrange(256) for _ in range(3)) for _ in range(200)]
    write(f"p8-trns{s}.png", W, H, 3, 8, image(W, H, 1, 199), il, plte,
          bytes(random.randrange(256) for _ in range(150)))
    # keys that occur: values drawn from a few levels
    write(f"g4-key{s}.png", W, H, 0, 4, image(W, H, 1, 3), il, trns=struct.pack(">H", 2))
    write(f"g16-key{s}.png", W, H, 0, 16, [[(random.choice((0, 700, 65535)),) for _ in range(W)]
                                            for _ in range(H)], il, trns=struct.pack(">H", 700))
    write(f"rgb8-key{s}.png", W, H, 2, 8, image(W, H, 3, 1), il, trns=struct.pack(">HHH", 1, 0, 1))
write("tiny-i.png", 3, 2, 2, 8, image(3, 2, 3, 255), 1)
write("one-i.png", 1, 1, 6, 16, image(1, 1, 4, 65535), 1)
