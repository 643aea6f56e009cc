"""`python -m benchmarks [--quick] [--calibration] [--json FILE] [--strict]`: run the benchmarks and print the table."""

from __future__ import annotations

import argparse
import sys

from benchmarks import FULL, QUICK, format_report, run_all, write_json_atomic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fast smoke run at smaller sizes (the size-specific targets are not judged)")
    parser.add_argument("--json", metavar="FILE", help="also save the results as JSON (written atomically)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any target is missed")
    parser.add_argument("--calibration", action="store_true",
                        help="also time a full Jiangxi calibration (target <= 10 minutes; takes several minutes)")
    args = parser.parse_args(argv)
    report = run_all(QUICK if args.quick else FULL, calibration=args.calibration)
    print(format_report(report), flush=True)
    if args.json:
        path = write_json_atomic(report, args.json)
        print(f"results saved to {path}")
    if args.strict and any(r.status == "FAIL" for r in report["results"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
