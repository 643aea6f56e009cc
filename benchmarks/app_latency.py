"""`python -m benchmarks.app_latency [--changes 6] [--rounds 1] [--old-tree DIR] [--json FILE]`: in a real headless
Chromium, the time from a lever change on the Compare page to the updated chart.

Issue 12: "a changed lever shows an updated comparison within 2 s at the app's default (preview) size ...
Measure and report the lever-change-to-updated-chart time in the real browser."

The app is started as a user starts it (`streamlit run app/Home.py`, a fresh app folder) and opened at
`/compare?cmp=jiangxi_more_posts` (the Jiangxi baseline against the bundled more-posts scenario). Each
change presses the right arrow on the loan-issuance slider (+5% in every year, a scenario never run before,
so nothing is served from the cache), and the clock runs from the key press until the fan chart's drawing
differs from the one before and Streamlit's running indicator has gone: everything the planner waits for
(the preview ensemble of the changed scenario, the paired comparison, every table and chart redrawn).
A last change moves the slider back to a value seen before, which the cache serves. The first page load
(the baseline's and more-posts' preview runs, the server's imports) is reported apart. Needs
/usr/bin/chromium (`make browser`).

The machine's speed moves these figures more than anything in the app: a shared 2-core machine has been
measured at twice its usual time for the same work. So a yardstick is timed before and after (one
process, pure Python: the sum of 10 million squares) and printed beside the figures; compare figures only at similar yardsticks.
`--old-tree DIR` (an older checkout, e.g. `git worktree add /tmp/jobsim_before <commit>`) starts that tree's app
the same way, alternating with this one `--rounds` times, so that a change is judged within one spell.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 300_000
TARGET_S = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settled(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg', timeout=WAIT_MS)


def _change(page, slider, key: str) -> float:
    before = page.locator('[data-testid="stVegaLiteChart"]').first.inner_html()
    started = time.perf_counter()
    slider.press(key)
    page.wait_for_function(
        "(before) => { const c = document.querySelector('[data-testid=\"stVegaLiteChart\"]');"
        " return c && c.innerHTML !== before && !document.querySelector('[data-testid=\"stStatusWidget\"]'); }",
        arg=before, timeout=WAIT_MS)
    return time.perf_counter() - started


def yardstick() -> float:
    """Seconds of pure Python on one core (the sum of 10 million squares): how fast the machine is now."""
    started = time.perf_counter()
    sum(i * i for i in range(10_000_000))
    return time.perf_counter() - started


def measure(changes: int, tree: Path = ROOT) -> dict:
    """The figures for the app of `tree` (this checkout, or an older one run through a package shim)."""
    from playwright.sync_api import sync_playwright

    before = yardstick()
    home = Path(tempfile.mkdtemp(prefix="jobsim_app_"))
    port = _free_port()
    env = {**os.environ, "JOBSIM_APP_HOME": str(home)}
    if Path(tree).resolve() != ROOT:
        from benchmarks.paired import old_tree_environment

        env = old_tree_environment(tree, env)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(Path(tree).resolve() / "app" / "Home.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(180):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            started = time.perf_counter()
            page.goto(f"{url}/compare?cmp=jiangxi_more_posts")
            _settled(page)
            first_load = time.perf_counter() - started
            slider = page.get_by_role("slider", name="新增发放创业担保贷款（%）")
            slider.focus()
            new = [_change(page, slider, "ArrowRight") for _ in range(changes)]
            cached = _change(page, slider, "ArrowLeft")  # back to a value already run: served from the cache
            browser.close()
    finally:
        server.terminate()
        server.wait(15)
    return {"first_load_s": first_load, "lever_change_s": new, "median_s": statistics.median(new),
            "max_s": max(new), "cached_change_s": cached, "target_s": TARGET_S,
            "load_average": os.getloadavg()[0], "yardstick_s": [before, yardstick()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=6, help="lever changes to time (each a new scenario)")
    ap.add_argument("--rounds", type=int, default=1, help="measurements of this tree (alternated with --old-tree's)")
    ap.add_argument("--old-tree", type=Path, help="an older checkout to measure side by side")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    report: dict = {"new": [], "old": []}
    for _ in range(max(1, args.rounds)):
        for which, tree in ([["old", args.old_tree]] if args.old_tree is not None else []) + [["new", ROOT]]:
            got = measure(args.changes, tree)
            report[which].append(got)
            _show(got, f"{which} ({tree}): " if args.old_tree is not None else "")
    if args.old_tree is not None:
        old = statistics.median(g["median_s"] for g in report["old"])
        new = statistics.median(g["median_s"] for g in report["new"])
        print(f"median of the rounds' medians: old {old:.2f} s, new {new:.2f} s; old / new {old / new:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report if args.old_tree is not None or args.rounds > 1 else report["new"][0],
                                        indent=2))


def _show(got: dict, prefix: str) -> None:
    print(f"{prefix}first load of Compare (server cold): {got['first_load_s']:.2f} s")
    print(f"{prefix}lever change -> updated chart, new scenario: " + ", ".join(f"{s:.2f}" for s in got["lever_change_s"])
          + f" s; median {got['median_s']:.2f} s, max {got['max_s']:.2f} s "
          f"({'PASS' if got['median_s'] <= TARGET_S else 'FAIL'} against {TARGET_S:.0f} s)")
    print(f"{prefix}lever change back to a value run before (cache): {got['cached_change_s']:.2f} s")
    print(f"{prefix}load average {got['load_average']:.2f}; yardstick (10M squares, pure Python) "
          f"{got['yardstick_s'][0]:.2f} s before, {got['yardstick_s'][1]:.2f} s after")


if __name__ == "__main__":
    main()
