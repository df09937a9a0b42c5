"""Writing: a shorter path through pydyf's serialisation of a drawn PDF, the same bytes.

`quick_write` (`pydyf.PDF.write`): pydyf asks each object for its bytes twice, once to write
it and once more to hash the whole file for its /ID; every dictionary and array is formatted
again and every page's content stream compressed again (pydyf's level 9, the pages' cost).
Here each object's bytes are made once, written, and the same bytes hashed. The objects and
their order, the object stream, the cross-reference stream and the /ID are pydyf's. A PDF
without an object stream (before PDF 1.5, or uncompressed) takes pydyf's own way.

>>> import pydyf
>>> pydyf.PDF.write is quick_write
True
"""

from __future__ import annotations

from hashlib import md5
from math import ceil, log
from typing import Any, BinaryIO

import pydyf

from renderer import fastpaths

general_write = pydyf.PDF.write
_OWN_INDIRECT = pydyf.Object.indirect


def _indirect(pdf_object: Any, data: bytes) -> bytes:
    """`Object.indirect` from the object's bytes already made."""
    if type(pdf_object).indirect is not _OWN_INDIRECT:
        return pdf_object.indirect
    header = f"{pdf_object.number} {pdf_object.generation} obj\n".encode()
    return header + data + b"\nendobj"


def quick_write(self: pydyf.PDF, output: BinaryIO, version: Any = b"1.7",
                identifier: Any = False, compress: bool = False) -> None:
    """`pydyf.PDF.write`, each object's bytes made once (pydyf 0.13's object-stream branch)."""
    version = pydyf._to_bytes(version or b"1.7")
    if not (version >= b"1.5" and compress):
        return general_write(self, output, version, identifier, compress)
    if identifier not in (False, True, None):
        identifier = pydyf._to_bytes(identifier)

    if self.info:
        self.add_object(self.info)

    self.write_line(b"%PDF-" + version, output)
    self.write_line(b"%\xf0\x9f\x96\xa4", output)

    made: list[bytes | None] = []  # the bytes of every object in use, in order
    compressed_objects = []
    for object_ in self.objects:
        if object_.free == "f":
            continue
        if object_.compressible:
            compressed_objects.append(object_)
            made.append(None)  # made below, in the object stream
        else:
            data = object_.data
            made.append(data)
            object_.offset = self.current_position
            self.write_line(_indirect(object_, data), output)

    stream: list[Any] = [[]]
    position = 0
    in_stream = []
    for object_ in compressed_objects:
        data = object_.data
        in_stream.append(data)
        stream.append(data)
        stream[0].append(object_.number)
        stream[0].append(position)
        position += len(data) + 1
    stream[0] = " ".join(str(i) for i in stream[0])
    extra = {
        "Type": "/ObjStm",
        "N": len(compressed_objects),
        "First": len(stream[0]) + 1,
    }
    object_stream = pydyf.Stream(stream, extra, compress)
    object_stream.offset = self.current_position
    self.add_object(object_stream)
    object_stream_data = object_stream.data
    self.write_line(_indirect(object_stream, object_stream_data), output)

    xref = []
    dict_index = 0
    for object_ in self.objects:
        if object_.compressible:
            xref.append((2, object_stream.number, dict_index))
            dict_index += 1
        else:
            xref.append((bool(object_.number), object_.offset, object_.generation))
    xref.append((1, self.current_position, 0))

    field2_size = ceil(log(self.current_position + 1, 256))
    max_generation = max(object_.generation for object_ in self.objects)
    field3_size = ceil(log(max(max_generation, len(compressed_objects)) + 1, 256))
    xref_lengths = (1, field2_size, field3_size)
    xref_stream = b"".join(
        value.to_bytes(length, "big")
        for line in xref for length, value in zip(xref_lengths, line))
    extra = {
        "Type": "/XRef",
        "Index": pydyf.Array((0, len(self.objects) + 1)),
        "W": pydyf.Array(xref_lengths),
        "Size": len(self.objects) + 1,
        "Root": self.catalog.reference,
    }
    if self.info:
        extra["Info"] = self.info.reference
    if identifier:
        kept = iter(in_stream)
        data = b"".join([*(next(kept) if made_data is None else made_data
                           for made_data in made),
                         object_stream_data])
        data_hash = md5(data).hexdigest().encode()
        if identifier is True:
            identifier = data_hash
        extra["ID"] = pydyf.Array((pydyf.String(identifier).data,
                                   pydyf.String(data_hash).data))
    dict_stream = pydyf.Stream([xref_stream], extra, compress)
    self.xref_position = dict_stream.offset = self.current_position
    self.add_object(dict_stream)
    self.write_line(dict_stream.indirect, output)

    self.write_line(b"startxref", output)
    self.write_line(f"{self.xref_position}".encode(), output)
    self.write_line(b"%%EOF", output)
    return None


fastpaths.replace(pydyf.PDF, "write", quick_write)
