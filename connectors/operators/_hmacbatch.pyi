from typing_extensions import Buffer

def hmac_sha256_many(
    key: bytes, data: Buffer, offsets: Buffer, wide: bool, out: Buffer, threads: int = 1
) -> None: ...
