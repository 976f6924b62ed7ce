"""Privacy: keyed pseudonyms for device ids (HMAC-SHA256) and k-anonymity suppression."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from lifecircle.errors import InputError

__all__ = [
    "DEFAULT_K",
    "KEY_ENV",
    "PseudonymKey",
    "load_key",
    "pseudonymise",
    "suppress",
]

#: Fewest distinct devices a written flow, cell or count may rest on.
DEFAULT_K: Final = 5
#: Environment variable that holds the pseudonym key (hex, base64 or any text of 16+ bytes).
KEY_ENV: Final = "LIFECIRCLE_MOBILITY_KEY"
_MIN_KEY_BYTES: Final = 16


@dataclass(frozen=True)
class PseudonymKey:
    """The secret of the keyed hash, and where it came from (never the secret itself).

    ``repr`` and ``str`` never show the key, so it cannot leak into a log or a report.
    """

    secret: bytes = field(repr=False)
    source: str

    def __str__(self) -> str:
        return f"PseudonymKey(source={self.source!r})"


def load_key(*, key_file: str | os.PathLike[str] | None = None) -> PseudonymKey:
    """Find the pseudonym key: a key file, else the environment, else a one-run random key.

    A fixed key (file or ``LIFECIRCLE_MOBILITY_KEY``) gives the same pseudonym to a device
    in every run, so runs over several files can be compared; a random key (the default)
    makes pseudonyms that cannot be linked to any other run. The key is never written.

    Parameters
    ----------
    key_file : path-like, optional
        A file whose bytes (stripped of surrounding white space) are the key. Keep it out
        of the output folder and out of version control.

    Returns
    -------
    PseudonymKey
        The key and a description of its source (``"文件 …"``, ``"环境变量 …"``,
        ``"一次性随机密钥"``).

    Raises
    ------
    InputError
        If the key file is missing, or a key is shorter than 16 bytes.
    """
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise InputError(
                "密钥文件不存在",
                file=str(path),
                field="key_file",
                fix="给出已有的密钥文件，或改用环境变量 " + KEY_ENV + "。",
            )
        secret = path.read_bytes().strip()
        source = f"密钥文件 {path.name}"
    elif os.environ.get(KEY_ENV):
        secret = os.environ[KEY_ENV].strip().encode("utf-8")
        source = f"环境变量 {KEY_ENV}"
    else:
        return PseudonymKey(secret=secrets.token_bytes(32), source="一次性随机密钥（本次运行）")
    if len(secret) < _MIN_KEY_BYTES:
        raise InputError(
            f"假名化密钥太短（{len(secret)} 字节，至少 {_MIN_KEY_BYTES} 字节）",
            file=str(key_file) if key_file is not None else None,
            field="key",
            fix='用 `python -c "import secrets; print(secrets.token_hex(32))"` 生成一个密钥。',
        )
    return PseudonymKey(secret=secret, source=source)


def pseudonymise(ids: NDArray[np.object_] | list[str], key: PseudonymKey) -> NDArray[np.uint64]:
    """Keyed pseudonyms of device ids: the first 8 bytes of HMAC-SHA256(key, id).

    64-bit pseudonyms keep the processing numeric and fast; with a million devices the
    chance that two share one is about 3e-8. Without the key a pseudonym cannot be traced
    back to an id (not even by trying every phone number), which a plain hash would allow.

    Parameters
    ----------
    ids : array of str
        Raw device ids (each one is hashed once; pass the distinct ones).
    key : PseudonymKey
        The secret.

    Returns
    -------
    numpy.ndarray of uint64
        One pseudonym per id, in order.
    """
    secret = key.secret
    digests = b"".join(
        hmac.new(secret, str(i).encode("utf-8"), hashlib.sha256).digest()[:8] for i in ids
    )
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64)


def suppress(
    table: pd.DataFrame, *, k: int = DEFAULT_K, devices: str = "devices"
) -> tuple[pd.DataFrame, int]:
    """Drop every row that rests on fewer than ``k`` distinct devices.

    Parameters
    ----------
    table : pandas.DataFrame
        Aggregated rows with a ``devices`` column (distinct devices behind the row).
    k : int
        The threshold (default 5): rows with ``devices < k`` are removed.
    devices : str
        Name of the device-count column.

    Returns
    -------
    (kept, n_suppressed) : tuple
        The rows that may be written or shown, index reset, and how many were removed.
    """
    if k < 1:
        raise InputError(
            f"k = {k} 无效",
            field="k",
            fix="k 为每条流或每个格网至少包含的设备数，应为 1 以上的整数（默认 5）。",
        )
    keep = table[devices].to_numpy() >= k
    return table.loc[keep].reset_index(drop=True), int((~keep).sum())
