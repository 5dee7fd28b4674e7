"""Command line tools for a running simulator (serving it: `manage.py vendor_simulator`).

    python -m simulator upload-offer OFFER.xlsx --url http://127.0.0.1:8100 \
        [--vendor-code VNDR1] [--ship-to DTM2]

`upload-offer` sends an offer workbook as the vendor uploads it back to Amazon (ShopCtrl's
"Export for Amazon" file) and prints the numbers of the POs the simulator created for it.
It needs nothing but the standard library, so it runs without Django settings.
"""

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from simulator.control import PREFIX, XLSX

TIMEOUT = 60.0


class UploadError(Exception):
    """The offer could not be uploaded; the message says why."""


def upload_offer(
    url: str, content: bytes, *, vendor_code: str | None = None, ship_to: str | None = None
) -> list[str]:
    """POST an offer workbook to the simulator at `url`; the numbers of the POs it created.

    Raises UploadError with the simulator's message (a bad file, an unknown vendor code or
    FC) or the connection problem.
    """
    query = {
        name: value for name, value in (("vendor_code", vendor_code), ("ship_to", ship_to)) if value
    }
    target = f"{url.rstrip('/')}{PREFIX}/offers" + (
        f"?{urllib.parse.urlencode(query)}" if query else ""
    )
    request = urllib.request.Request(
        target, data=content, method="POST", headers={"Content-Type": XLSX}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {exc.code}"
        raise UploadError(f"The simulator refused the offer: {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise UploadError(f"No simulator answered at {url}: {exc}") from None
    except ValueError:
        raise UploadError(f"{url} did not answer like the simulator (no JSON).") from None
    return list(answer["purchaseOrders"])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    upload = commands.add_parser(
        "upload-offer", help="create the POs Amazon sends for an uploaded Bulk Buy offer"
    )
    upload.add_argument("file", type=Path, help="the offer workbook (.xlsx) with final quantities")
    upload.add_argument("--url", default="http://127.0.0.1:8100", help="the simulator's base URL")
    upload.add_argument("--vendor-code", help="sellingParty of the POs (default: the first)")
    upload.add_argument("--ship-to", help="FC code of the POs (default: one picked per file)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; 0 on success, 1 (with the reason on stderr) on failure."""
    options = _parser().parse_args(argv)
    try:
        content = options.file.read_bytes()
    except OSError as exc:
        print(f"Cannot read {options.file}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        numbers = upload_offer(
            options.url, content, vendor_code=options.vendor_code, ship_to=options.ship_to
        )
    except UploadError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not numbers:
        print("No POs: no approved row orders anything.")
    for number in numbers:
        print(number)
    return 0


if __name__ == "__main__":
    sys.exit(main())
