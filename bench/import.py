# ruff: noqa: N999 (the module is named after what it measures; `import` is a keyword)
"""Benchmark of the recipient import: 20,000 members from CSV and from XLSX.

The baseline, measured in the same run on the same files, is reading them with the csv
module (after decoding) and with openpyxl in read-only mode alone; the ratio says what
checking every cell and writing each member with its audit record and event costs on top.

    python -m bench.import [--rows 20000] [--url postgresql://…/empty_db]
"""

import argparse
import csv
import io
import tempfile
from functools import partial
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bench.common import fresh_database, make_clerk, stopwatch
from bench.figures import Figure
from carefund import imports
from carefund.recipients import id_number_check_char
from carefund.vocabulary import CATEGORY_NAMES_ZH

FULL_ROWS = 20_000
QUICK_ROWS = 2_000
"""Members in the files of `python -m bench` (without --full)."""
HEADER = ["党员编号", "姓名", "党员类别", "所在支部", "身份证号", "联系电话", "地址"]


def roll(rows: int) -> list[list[str]]:
    categories = list(CATEGORY_NAMES_ZH.values())
    table = []
    for number in range(rows):
        born = f"{1940 + number % 60}0{1 + number % 9}{10 + number % 18}"
        first17 = f"370602{born}{number % 1000:03d}"
        table.append(
            [
                f"DY{number:06d}",
                f"王建{'国华明强军平'[number % 6]}",
                categories[number % 6],
                f"城关街道第{'一二三四五'[number % 5]}党支部",
                first17 + id_number_check_char(first17),
                f"138{number:08d}",
                f"城关街道幸福路{number % 300 + 1}号",
            ]
        )
    return table


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(table)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(table: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv_alone(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) - 1


def read_xlsx_alone(data: bytes) -> int:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return count


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_ROWS if quick else FULL_ROWS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--url", help="An empty database to use (default: new SQLite files).")
    options = parser.parse_args(argv)
    measure(options.rows, options.url)


def measure(rows: int, url: str | None = None) -> list[Figure]:
    table = roll(rows)
    files = {"CSV": (as_csv(table), read_csv_alone), "XLSX": (as_xlsx(table), read_xlsx_alone)}
    figures = []
    print(f"导入基准：{rows} 名关爱对象")
    with tempfile.TemporaryDirectory() as directory:
        for index, (name, (data, read_alone)) in enumerate(files.items()):
            with stopwatch() as baseline:
                assert read_alone(data) == rows
            database = fresh_database(url if url and index == 0 else None, Path(directory))
            clerk = make_clerk(database)
            with stopwatch() as created:
                result = database.write(partial(imports.import_recipients, data=data, actor=clerk))
            assert result.created == rows, result
            with stopwatch() as unchanged:
                result = database.write(partial(imports.import_recipients, data=data, actor=clerk))
            assert result.unchanged == rows, result
            backend = database.engine.dialect.name
            database.dispose()
            base = rows / baseline[0]
            size = len(data) / 1024 / 1024
            print(f"  {name:<4} {size:5.1f} MB   只读取（基线） {base:10.0f} 行/秒")
            timings = (("导入（新增）", created[0]), ("再次导入（未变）", unchanged[0]))
            for (label, seconds), what in zip(timings, ("new members", "unchanged"), strict=True):
                rate = rows / seconds
                print(
                    f"       {label:<10} {rate:10.0f} 行/秒  {seconds:6.2f} 秒  "
                    f"为基线的 1/{base / rate:.0f}"
                )
                figures.append(
                    Figure(
                        "import",
                        f"{name} import, {what}",
                        rate,
                        "rows/s",
                        baseline=base,
                        baseline_what=f"{'csv module' if name == 'CSV' else 'openpyxl'} alone",
                        note=f"{rows} rows, {backend}",
                    )
                )
    return figures


if __name__ == "__main__":
    main()
