"""Small, well-formed audio files of a known length in each format Callbook reads.

No encoder is installed on CI, so each file is built from its format's specification: the
container and the headers that state the length are real, the audio frames are silence
(or zeros). ``wav_bytes`` in ``tests.factories`` is the WAV one.
"""

import struct

from tests.factories import wav_bytes


def _ogg_crc(data: bytes) -> int:
    # The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, initial 0.
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, *, sequence: int, granule: int, header_type: int) -> bytes:
    segments = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, header_type, granule, 0x1234, sequence, 0, len(segments)
    )
    page = header + bytes(segments) + packet
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def opus_bytes(seconds: float) -> bytes:
    """OGG/Opus: the last page's granule position (48 kHz samples) minus the pre-skip."""
    pre_skip = 312
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48000, 0, 0)
    vendor = b"callbook-tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    silence = bytes([0xF8, 0xFF, 0xFE])  # one 20 ms CELT frame of silence
    granule = pre_skip + round(seconds * 48000)
    return (
        _ogg_page(head, sequence=0, granule=0, header_type=2)
        + _ogg_page(tags, sequence=1, granule=0, header_type=0)
        + _ogg_page(silence, sequence=2, granule=granule, header_type=4)
    )


def flac_bytes(seconds: float, rate: int = 16000) -> bytes:
    """FLAC: STREAMINFO's total samples over its sample rate."""
    total = round(seconds * rate)
    packed = (rate << 44) | (0 << 41) | (15 << 36) | total  # mono, 16 bits per sample
    info = struct.pack(">HH", 4096, 4096) + (0).to_bytes(3, "big") * 2
    info += packed.to_bytes(8, "big") + bytes(16)
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info


def mp3_bytes(frames: int) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: a Xing frame counting ``frames`` frames.

    Each frame holds 1,152 samples: ``frames`` × 1152 / 44100 seconds.
    """
    header = bytes([0xFF, 0xFB, 0x90, 0xC0])  # sync, MPEG-1 L3, 128k, 44.1k, mono
    size = 144 * 128000 // 44100  # 417 bytes, no padding
    side_info = bytes(17)  # mono MPEG-1: 17 bytes of side information
    # Flags 3: the frame count and the byte count of the stream follow.
    xing = b"Xing" + struct.pack(">III", 0x0003, frames, (frames + 1) * size)
    first = header + side_info + xing
    first += bytes(size - len(first))
    return first + (header + bytes(size - 4)) * frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a_bytes(seconds: float, timescale: int = 44100) -> bytes:
    """MP4/M4A (AAC): ``moov/mvhd``'s duration over its timescale."""
    ftyp = _box(b"ftyp", b"M4A " + struct.pack(">I", 0) + b"M4A mp42isom")
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3sIIII", 0, b"\0\0\0", 0, 0, timescale, round(seconds * timescale))
        + struct.pack(">IH", 0x00010000, 0x0100)
        + bytes(10)
        + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
        + bytes(24)
        + struct.pack(">I", 2),
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", bytes(64))


def _ebml(element_id: int, payload: bytes) -> bytes:
    size = len(payload)
    # One byte for small sizes, else eight (the marker bit of an 8-byte integer is bit 56).
    encoded = bytes([0x80 | size]) if size < 127 else (size | (1 << 56)).to_bytes(8, "big")
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + encoded + payload


def webm_bytes(seconds: float | None, *, timecode_scale: int = 1_000_000) -> bytes:
    """WebM: ``Segment/Info/Duration`` (ticks of ``TimecodeScale`` ns); None leaves it out,
    as a live MediaRecorder capture does."""
    header = _ebml(0x1A45DFA3, _ebml(0x4286, b"\x01") + _ebml(0x4282, b"webm"))
    info = _ebml(0x2AD7B1, timecode_scale.to_bytes(3, "big"))
    info += _ebml(0x4D80, b"callbook-tests")  # MuxingApp: an element the reader skips
    if seconds is not None:
        info += _ebml(0x4489, struct.pack(">d", seconds * 1e9 / timecode_scale))
    cluster = bytes.fromhex("1F43B675") + bytes([0x01] + [0xFF] * 7) + bytes(32)
    # The segment's size is "unknown" (all ones), as streaming muxers write it.
    segment = bytes.fromhex("18538067") + bytes([0x01] + [0xFF] * 7)
    seek_head = _ebml(0x114D9B74, bytes(12))
    return header + segment + seek_head + _ebml(0x1549A966, info) + cluster


SAMPLES = {
    "audio/wav": (lambda: wav_bytes(seconds=2.5), 2500),
    "audio/mpeg": (lambda: mp3_bytes(frames=115), round(115 * 1152 / 44100 * 1000)),
    "audio/ogg": (lambda: opus_bytes(4.0), 4000),
    "audio/mp4": (lambda: m4a_bytes(61.25), 61250),
    "audio/webm": (lambda: webm_bytes(12.345), 12345),
    "audio/flac": (lambda: flac_bytes(90.0), 90000),
}
