"""UTF-8 decoding whose errors name the file, line and column of the offending byte.

Python's own message (``'utf-8' codec can't decode byte 0xe9 in position 4096``) names neither
the file nor the line, and reading a text file in chunks even makes the position relative to the
chunk. These helpers decode bytes themselves, so the position is exact.
"""

__all__ = ["Utf8DecodeError", "decode_utf8", "utf8_error_message"]


class Utf8DecodeError(ValueError):
    """Bytes of a text file are not UTF-8; the message names ``<path>:<line>``."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = str(path), line


def utf8_error_message(data, error, first_line=1):
    """``(line, message)`` for a :class:`UnicodeDecodeError` raised decoding ``data``.

    Args:
        data (bytes): what was decoded.
        error (UnicodeDecodeError): the error (its ``start`` is an offset into ``data``).
        first_line (int): line number of ``data``'s first line in its file.

    Returns:
        tuple[int, str]: 1-based line number and a message giving the byte and its column.
    """
    start = error.start
    line = first_line + data.count(b"\n", 0, start)
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    byte = data[start : start + 1].hex()
    return (
        line,
        f"not UTF-8 text: byte 0x{byte} at column {column} ({error.reason}); save it as UTF-8",
    )


def decode_utf8(data, path):
    """Decode ``data`` (the bytes of file ``path``) as UTF-8.

    Raises:
        Utf8DecodeError: naming ``path``, the line and the column of the first invalid byte.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Utf8DecodeError(path, *utf8_error_message(data, e)) from None
