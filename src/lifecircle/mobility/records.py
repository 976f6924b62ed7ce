"""Stream raw location records (device, time, lon, lat) from CSV or Parquet in bounded chunks."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from lifecircle.errors import CRSError, FileFormatError, InputError, SchemaError
from lifecircle.io.coords import COORD_SYSTEMS, to_wgs84
from lifecircle.mobility import _columns as cols
from lifecircle.mobility.privacy import PseudonymKey, pseudonymise

__all__ = ["RecordChunk", "RecordSource", "open_records"]

DEFAULT_CHUNK_ROWS: Final = 500_000
_FIELDS: Final = ("device", "time", "lon", "lat")
_FIELD_ZH: Final = {"device": "设备编号", "time": "时间", "lon": "经度", "lat": "纬度"}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RecordChunk:
    """Parsed records of one chunk; raw device ids are already replaced by pseudonyms.

    ``device`` uint64 pseudonyms; ``t`` local time in seconds since 1970-01-01 (the
    wall clock of ``utc_offset_hours``); ``lon``/``lat`` WGS-84 degrees; ``row`` the
    1-based data row of each record in its file (for messages). Records with an empty
    device, time or coordinate, or a coordinate of (0, 0) or out of range, are left
    out and counted in ``dropped``.
    """

    device: NDArray[np.uint64]
    t: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    row: NDArray[np.int64]
    dropped: int
    first_dropped_row: int | None

    def __len__(self) -> int:
        return len(self.device)


def _detect_encoding(path: Path, encoding: str | None) -> str:
    if encoding:
        return encoding
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return "utf-8" if enc == "utf-8" else enc
        except UnicodeDecodeError as exc:
            if enc == "utf-8" and exc.start >= len(head) - 4:
                return "utf-8"  # a character cut at the end of the sample
    raise FileFormatError(
        "无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030）",
        file=str(path),
        field="encoding",
        fix="另存为 UTF-8 或 GBK 编码的 CSV，或用 --encoding 指定编码。",
    )


def _header(path: Path, encoding: str) -> tuple[list[str], str]:
    with path.open("rb") as fh:
        raw = fh.read(1 << 16)
    text = raw.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileFormatError("文件为空或没有表头", file=str(path), fix="导出时带上表头行。")
    try:
        delim = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",\t;|").delimiter
    except csv.Error:
        delim = ","
    header = next(csv.reader([lines[0]], delimiter=delim))
    return [h.strip() for h in header], delim


@dataclass
class RecordSource:
    """An open records file: its columns, and chunks on demand (see `open_records`)."""

    path: Path
    columns: dict[str, str]  # canonical field -> column name in the file
    kind: str
    total: int  # bytes (CSV) or rows (Parquet), for progress
    chunk_rows: int
    encoding: str | None = None
    delimiter: str = ","

    def batches(self, progress: Progress | None = None) -> Iterator[tuple[int, pa.RecordBatch]]:
        """Yield ``(first_row, batch)`` with the four columns under their canonical names."""
        report = progress or (lambda stage, done, total: None)
        names = [self.columns[f] for f in _FIELDS]
        row = 1
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(self.path, pre_buffer=False)  # pre-buffering keeps every row group
            for batch in pf.iter_batches(batch_size=self.chunk_rows, columns=names):
                yield row, batch.select(names).rename_columns(list(_FIELDS))
                row += batch.num_rows
                report("records", row - 1, self.total)
            return
        yield from self._csv_batches(names, report)

    def _csv_batches(
        self, names: list[str], report: Progress
    ) -> Iterator[tuple[int, pa.RecordBatch]]:
        """CSV in pieces of whole lines that this loop reads itself.

        Arrow's streaming CSV reader reads ahead as far as it likes (the whole file, given
        the chance), so memory would grow with the file. Here each piece is about
        ``chunk_rows`` lines, cut at a line break, parsed with the header in front, and
        dropped before the next is read. (A line break inside a quoted field is not
        supported in records files; such a file stops with a parse error.)
        """
        import pyarrow.csv as pcsv

        encoding = (self.encoding or "utf-8").lower().replace("_", "-")
        wide = encoding.startswith("utf-16")
        # threads parse the blocks of one piece in parallel; the piece bounds the memory
        read_options = pcsv.ReadOptions(encoding=encoding, use_threads=True, block_size=1 << 22)
        parse_options = pcsv.ParseOptions(delimiter=self.delimiter)
        convert_options = pcsv.ConvertOptions(
            include_columns=names,
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
        )
        if wide:  # UTF-16 lines cannot be cut on a single byte: read it whole (rare, small)
            pieces: Iterator[tuple[bytes, int]] = iter([(self.path.read_bytes(), self.total)])
            header = b""
        else:
            header, pieces = self._pieces()
        try:
            yield from self._parse_pieces(
                header, pieces, names, read_options, parse_options, convert_options, report
            )
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # the file closes now, also when a parse error stops the stream

    def _parse_pieces(
        self,
        header: bytes,
        pieces: Iterator[tuple[bytes, int]],
        names: list[str],
        read_options: Any,
        parse_options: Any,
        convert_options: Any,
        report: Progress,
    ) -> Iterator[tuple[int, pa.RecordBatch]]:
        import pyarrow.csv as pcsv

        row = 1
        for data, done in pieces:
            try:
                table = pcsv.read_csv(
                    pa.BufferReader(header + data),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except pa.ArrowInvalid as exc:
                raise FileFormatError(
                    f"CSV 无法解析（第 {row} 行之后的一段）{_safe_reason(exc)}",
                    file=str(self.path),
                    row=row,
                    fix="检查每行字段数与表头一致、引号成对。",
                ) from None
            table = table.select(names).rename_columns(list(_FIELDS)).combine_chunks()
            for batch in table.to_batches():
                yield row, batch
                row += batch.num_rows
            report("records", done, self.total)

    def _pieces(self) -> tuple[bytes, Iterator[tuple[bytes, int]]]:
        """The header line, and pieces of whole lines with the bytes read so far."""
        with self.path.open("rb") as fh:
            head = fh.readline()
            sample = fh.read(1 << 16)
        lines = max(sample.count(b"\n"), 1)
        per_row = max(len(sample) / lines, 8.0)
        block = int(min(max(self.chunk_rows * per_row, 1 << 16), 1 << 30))

        def gen() -> Iterator[tuple[bytes, int]]:
            rest = b""
            with self.path.open("rb") as fh:
                fh.seek(len(head))
                while True:
                    data = fh.read(block)
                    if not data:
                        if rest.strip():
                            yield rest, self.total
                        return
                    data = rest + data
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        rest = data
                        continue
                    rest = data[cut + 1 :]
                    if data[: cut + 1].strip():
                        yield data[: cut + 1], fh.tell() - len(rest)

        return head, gen()


def open_records(
    path: str | os.PathLike[str],
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    encoding: str | None = None,
    device_col: str | None = None,
    time_col: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
) -> RecordSource:
    """Open a records file (CSV in UTF-8/GBK, or Parquet) and find its four columns.

    Columns are found by name (``device``/``设备编号``/``uid``…, ``time``/``时间``…,
    ``lon``/``经度``…, ``lat``/``纬度``…) unless given.

    Raises
    ------
    InputError, FileFormatError, SchemaError
        Missing file, unknown type, undecodable text, or a missing column.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("文件不存在", file=str(p), fix="检查路径与文件名。")
    suffix = p.suffix.lower()
    given = {"device": device_col, "time": time_col, "lon": lon_col, "lat": lat_col}
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(p)
        except Exception as exc:
            raise FileFormatError(
                f"无法作为 Parquet 打开：{exc}", file=str(p), fix="确认文件完整且确为 Parquet。"
            ) from None
        header = list(pf.schema_arrow.names)
        source = RecordSource(
            path=p, columns={}, kind="parquet", total=pf.metadata.num_rows, chunk_rows=chunk_rows
        )
    elif suffix in (".csv", ".txt", ".tsv"):
        enc = _detect_encoding(p, encoding)
        header, delim = _header(p, enc)
        source = RecordSource(
            path=p,
            columns={},
            kind="csv",
            total=p.stat().st_size,
            chunk_rows=chunk_rows,
            encoding=enc,
            delimiter=delim,
        )
    else:
        raise FileFormatError(
            f"定位记录不支持文件类型 {suffix or '（无扩展名）'!r}",
            file=str(p),
            fix="请使用 .csv（UTF-8 或 GBK）或 .parquet；Excel 表请另存为 CSV。",
        )
    for field in _FIELDS:
        name = given[field]
        if name is not None:
            if name not in header:
                raise SchemaError(
                    f"表中没有列 {name!r}（表中的列：{'、'.join(header)}）",
                    file=str(p),
                    field=name,
                    fix="按表头原样给出列名。",
                )
            source.columns[field] = name
        else:
            source.columns[field] = cols.require(
                header, field, source=str(p), what=_FIELD_ZH[field]
            )
    return source


# --------------------------------------------------------------------------- parsing
def _safe_reason(exc: Exception) -> str:
    """The shape of a CSV parse error, never its text: Arrow quotes the row, ids included."""
    import re

    found = re.search(r"Expected \d+ columns?, got \d+", str(exc))
    if found is None:
        return ""
    want, got = re.findall(r"\d+", found.group(0))
    return f"：应有 {want} 列，实有 {got} 列"


def _to_float(arr: Any, *, field: str, source: str, row0: int) -> NDArray[np.float64]:
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
    try:
        return np.asarray(
            pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = pd.Series(arr.to_pandas())
        parsed = pd.to_numeric(values.str.strip(), errors="coerce")
        bad = np.flatnonzero(
            (parsed.isna() & values.notna() & (values.str.strip() != "")).to_numpy()
        )
        i = int(bad[0]) if len(bad) else 0
        raise SchemaError(
            f"{_FIELD_ZH[field]}不是数字",
            file=source,
            row=row0 + i,
            field=field,
            fix="把经纬度写成十进制度数，或删除该行。",
        ) from None


def _epoch_to_local(values: NDArray[np.float64], offset_s: int) -> NDArray[np.float64]:
    finite = values[np.isfinite(values)]
    scale = 1000.0 if len(finite) and float(np.median(np.abs(finite))) > 1e11 else 1.0
    return values / scale + offset_s


def _to_local_seconds(arr: Any, *, source: str, row0: int, offset_s: int) -> NDArray[np.float64]:
    """Local wall-clock seconds; naive text is local, epochs and zoned text are converted."""
    typ = arr.type
    if pa.types.is_timestamp(typ):
        secs = pc.cast(pc.cast(arr, pa.timestamp("ms", tz=typ.tz)), pa.int64())
        out = np.asarray(secs.to_numpy(zero_copy_only=False), dtype=np.float64) / 1000.0
        return out + (offset_s if typ.tz is not None else 0)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ):
        return _epoch_to_local(
            np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64), offset_s
        )
    for target, shift in ((pa.timestamp("ms"), 0), (pa.timestamp("ms", tz="UTC"), offset_s)):
        try:
            ms = pc.cast(pc.cast(arr, target), pa.int64())
            return np.asarray(ms.to_numpy(zero_copy_only=False), dtype=np.float64) / 1000.0 + shift
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    try:
        return _epoch_to_local(
            np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64),
            offset_s,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = pd.Series(arr.to_pandas(), dtype="string").str.strip()
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = np.flatnonzero((parsed.isna() & values.notna() & (values != "")).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise SchemaError(
            "时间无法识别",
            file=source,
            row=row0 + i,
            field="time",
            fix="时间写成 2024-05-06 08:30:00 这样的格式，或 Unix 时间戳（秒或毫秒）。",
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None) + pd.Timedelta(seconds=offset_s)
    ns = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    ns[parsed.isna().to_numpy()] = np.nan
    return np.asarray(ns / 1e9, dtype=np.float64)


def parse_batch(
    batch: pa.RecordBatch,
    row0: int,
    *,
    key: PseudonymKey,
    coords: str,
    utc_offset_hours: float,
    source: str,
) -> RecordChunk:
    """Turn one raw batch into a `RecordChunk`: pseudonyms, local times, WGS-84 degrees.

    Raw device ids never leave this function: each run of equal ids is hashed once with
    the key, and the text is dropped. Error messages name rows and fields, never an id.
    """
    if coords not in COORD_SYSTEMS:
        raise CRSError(
            f"未知坐标系 {coords!r}", field="coords", fix="使用 " + "、".join(COORD_SYSTEMS) + "。"
        )
    n = batch.num_rows
    dev = batch.column(0)
    if not pa.types.is_string(dev.type) and not pa.types.is_large_string(dev.type):
        dev = pc.cast(dev, pa.string())
    dev = pc.utf8_trim_whitespace(dev)
    lon = _to_float(batch.column(2), field="lon", source=source, row0=row0)
    lat = _to_float(batch.column(3), field="lat", source=source, row0=row0)
    t = _to_local_seconds(
        batch.column(1), source=source, row0=row0, offset_s=int(utc_offset_hours * 3600)
    )
    empty_dev = np.asarray(
        pc.fill_null(pc.equal(dev, ""), True).to_numpy(zero_copy_only=False), dtype=bool
    )
    ok = ~empty_dev & np.isfinite(lon) & np.isfinite(lat) & np.isfinite(t)
    ok &= (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & ~((lon == 0) & (lat == 0))
    dropped = int(n - ok.sum())
    if n >= 20 and ok.mean() < 0.5:
        swapped = np.isfinite(lat) & (np.abs(lat) > 90) & (np.abs(lon) <= 90)
        raise CRSError(
            f"本块 {n} 条记录中 {dropped} 条的设备编号、时间或经纬度为空或超出范围",
            file=source,
            row=row0,
            field="lon" if swapped.any() else None,
            fix="经度、纬度两列可能对调，或不是经纬度（度）：检查列名与 --lon/--lat。"
            if swapped.any()
            else "检查经纬度列是否为十进制度数，时间与设备编号列是否正确。",
        )
    first_dropped = int(np.flatnonzero(~ok)[0]) + row0 if dropped else None
    idx = np.flatnonzero(ok)
    dev_ok = dev.take(pa.array(idx))
    # runs of equal raw ids (the file is grouped by device): hash each run's id once
    if len(idx):
        change = np.ones(len(idx), dtype=bool)
        if len(idx) > 1:
            change[1:] = np.asarray(
                pc.not_equal(dev_ok.slice(1), dev_ok.slice(0, len(idx) - 1)).to_numpy(
                    zero_copy_only=False
                ),
                dtype=bool,
            )
        starts = np.flatnonzero(change)
        hashes = pseudonymise(dev_ok.take(pa.array(starts)).to_numpy(zero_copy_only=False), key)
        lengths = np.diff(np.append(starts, len(idx)))
        device = np.repeat(hashes, lengths)
    else:
        device = np.zeros(0, dtype=np.uint64)
    del dev, dev_ok
    wlon, wlat = to_wgs84(lon[idx], lat[idx], coords=coords)
    return RecordChunk(
        device=device,
        t=np.floor(t[idx]).astype(np.int64),
        lon=wlon,
        lat=wlat,
        row=(idx + row0).astype(np.int64),
        dropped=dropped,
        first_dropped_row=first_dropped,
    )
