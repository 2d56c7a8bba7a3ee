from typing_extensions import Buffer

def hmac_sha256_many(
    key: bytes,
    data: Buffer,
    offsets: Buffer,
    wide: bool,
    out: Buffer,
    threads: int = 1,
    prefix: bytes = b"",
    hex_bytes: int = 0,
) -> None: ...
def siphash_many(key: bytes, data: Buffer, offsets: Buffer, wide: bool, out: Buffer) -> None: ...
def raw_form_hashes(
    key: bytes, data: Buffer, offsets: Buffer, wide: bool, out: Buffer, unsure: Buffer
) -> int: ...
