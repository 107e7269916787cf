"""Generate the small twins of the messy real files (see README.md here).

Each twin reproduces one failure mode of a file under shared/data/real/ with a few dozen made-up
rows, so the project's tests do not depend on files it may not ship. Run from the repository root:

    .venv/bin/python tests/data/messy/make_twins.py

The output is deterministic; the generated files are committed next to this script.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRIDAYS = [dt.date(2010, 2, 5) + dt.timedelta(weeks=k) for k in range(12)]
STORES = (1, 2, 3)
HOLIDAY_WEEKS = {dt.date(2010, 2, 12), dt.date(2010, 4, 2)}


def weekly_sales(store: int, week: int) -> float:
    return round(1_500_000 + 100_000 * store + 12_345.67 * week + (store * week % 7) * 1_000.5, 2)


def cpi(store: int, week: int) -> str:
    return f"{211.0963582 + 0.1458 * week + store:.7f}"


def mangle(number: str) -> str:
    """What a '.'-thousands locale did to CPI: 211.0963582 -> 2.110.963.582."""
    digits = number.replace(".", "")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join([digits, *groups])


def excel_mangled(day: dt.date) -> str:
    """dd-mm-yyyy where the day is over 12 (Excel kept the text), d/m/yy otherwise (Excel's date)."""
    if day.day > 12:
        return day.strftime("%d-%m-%Y")
    return f"{day.day}/{day.month}/{day:%y}"


def walmart_rows(date_text, cpi_text) -> list[str]:
    rows = ["Store,Date,Weekly_Sales,Holiday_Flag,Temperature,Fuel_Price,CPI,Unemployment"]
    for store in STORES:
        for week, day in enumerate(FRIDAYS):
            flag = int(day in HOLIDAY_WEEKS)
            rows.append(
                f"{store},{date_text(day)},{weekly_sales(store, week)},{flag},"
                f"{40 + week * 0.7:.2f},{2.5 + week * 0.01:.3f},{cpi_text(store, week)},8.106"
            )
    return rows


def superstore_rows(order_text, ship_text, product_names) -> list[str]:
    rows = [
        "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,"
        "City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,"
        "Discount,Profit"
    ]
    lines = [
        ("South", "Furniture", "Bookcases", "FUR-BO-10001798"),
        ("South", "Furniture", "Chairs", "FUR-CH-10000454"),
        ("West", "Office Supplies", "Labels", "OFF-LA-10000240"),
        ("West", "Furniture", "Chairs", "FUR-CH-10000454"),
    ]
    start = dt.date(2016, 11, 8)
    for k in range(30):
        # Order lines come in pairs: two lines of the same region and sub-category on one day.
        order = start + dt.timedelta(days=k // 2)
        ship = order + dt.timedelta(days=3 + k % 3)
        region, category, sub, prefix = lines[(k // 2) % len(lines)]
        product = f"{prefix[:7]}{10000000 + k}"  # like the real file: few lines per product
        name = product_names[k % len(product_names)]
        sales = round(20 + 7.5 * k, 2)
        rows.append(
            f"{k + 1},CA-2016-{152156 + k},{order_text(order)},{ship_text(ship)},Second Class,"
            f"CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,{region},"
            f'{product},{category},{sub},"{name}",{sales},{1 + k % 4},0,{sales * 0.2:.4f}'
        )
    return rows


def write(
    name: str,
    rows: list[str],
    *,
    newline: str = "\n",
    encoding: str = "utf-8",
    final_newline: bool = True,
) -> None:
    text = newline.join(rows) + (newline if final_newline else "")
    (HERE / name).write_bytes(text.encode(encoding))


def main() -> None:
    # walmart_store_sales_mixed_date_formats.csv: dd-mm-yyyy beside d/m/yy, CRLF, no final newline.
    write(
        "walmart_mixed_date_formats.csv",
        walmart_rows(excel_mangled, cpi),
        newline="\r\n",
        final_newline=False,
    )
    # walmart_cpi_locale_mangled.csv: CPI 211.0963582 saved as 2.110.963.582.
    write(
        "walmart_cpi_locale_mangled.csv",
        walmart_rows(lambda d: d.strftime("%d-%m-%Y"), lambda s, w: mangle(cpi(s, w))),
    )
    # The same damage in the sales column itself (the column a forecast needs).
    rows = walmart_rows(lambda d: d.strftime("%d-%m-%Y"), cpi)
    rows = [rows[0]] + [
        ",".join(
            [
                *parts[:2],
                mangle(f"{float(parts[2]) / 1e4:.7f}") if i % 5 == 0 else parts[2],
                *parts[3:],
            ]
        )
        for i, parts in enumerate(r.split(",") for r in rows[1:])
    ]
    write("walmart_sales_locale_mangled.csv", rows)
    # superstore_cp1252_mixed_date_columns.csv: Windows-1252 bytes (0xA0, 0xE9), ISO Order Date
    # beside D/M/YYYY Ship Date.
    write(
        "superstore_cp1252_mixed_date_columns.csv",
        superstore_rows(
            lambda d: d.isoformat(),
            lambda d: f"{d.day}/{d.month}/{d.year}",
            ["Bush Somerset Collection\xa0Bookcase", "Hon Deluxe Fabric Chair, Café", "Avery 508"],
        ),
        encoding="cp1252",
    )
    # superstore_utf8_bom_crlf.csv: UTF-8 with a BOM, CRLF, M/D/YYYY dates.
    text = (
        "\r\n".join(
            superstore_rows(
                lambda d: f"{d.month}/{d.day}/{d.year}",
                lambda d: f"{d.month}/{d.day}/{d.year}",
                ["Bush Somerset Collection Bookcase", "Hon Deluxe Fabric Chair", "Avery 508"],
            )
        )
        + "\r\n"
    )
    (HERE / "superstore_utf8_bom_crlf.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    # walmart_recruiting_stores.csv: classic-Mac CR-only line endings, no \n anywhere.
    rows = ["Store,Type,Size"] + [f"{s},{'ABC'[s % 3]},{100_000 + 12_345 * s}" for s in STORES]
    write("walmart_stores_cr_only.csv", rows, newline="\r")


if __name__ == "__main__":
    main()
