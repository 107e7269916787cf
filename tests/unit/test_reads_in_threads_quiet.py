"""Files read side by side in a web server's threads (uploads, the Data page's preview): a sales
column with a text cell among numbers says nothing on the console, and leaves the process's
warnings as they were (each read used to save and put back the whole filter list, so two reads
at once left "ignore" installed for good, or took it away while the other was reading)."""

from __future__ import annotations

import threading
import warnings

from forecast.engine.ingest import reader


def _mixed_sales_file(rows: int) -> bytes:
    """A sales column that pandas reads in chunks of mixed types (a DtypeWarning)."""
    lines = ["store,date,sales"] + [f"s{i % 50},2024-01-{1 + i % 28:02d},{i}" for i in range(rows)]
    lines[rows // 2] = "s1,2024-01-01,none"
    lines.insert(rows - 3, "s2,2024-01-02,abc")
    return ("\n".join(lines) + "\n").encode()


def test_reads_in_threads_say_nothing_and_leave_the_warnings_as_they_were() -> None:
    raw = _mixed_sales_file(150_000)
    fmt = reader.sniff_csv(raw, "sales.csv")
    read_as: list[int] = []

    def reads() -> None:
        for _ in range(4):
            frame, _ = reader.read_csv_full(raw, fmt, "sales.csv", {})
            read_as.append(int((frame["sales"] == "abc").sum()))

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        before = list(warnings.filters)
        threads = [threading.Thread(target=reads) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        after = list(warnings.filters)
    assert read_as == [1] * 12  # every read whole, its text cell kept
    assert [str(w.message) for w in seen] == []
    assert after == before
