"""``livesim dashboard`` in a real browser: the SolaraViz page loads, the cap
slider acts on the plotted series, reset replays the same run, and the
coalition panel returns a core verdict. A tiny world keeps it to seconds."""

import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

TINY = """
[population]
consumers = 800
anchors = 60
suppliers = 16
[time]
days = 60
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    scenario = folder / "tiny.toml"
    scenario.write_text(TINY)
    port = _free_port()
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--scenario", str(scenario),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"the dashboard did not start: {(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _step(page, n):
    for _ in range(n):
        day = int(re.search(r"Day (\d+)", page.get_by_text(re.compile(r"^Day \d+: latest values")).inner_text())[1])
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Day {day + 1}: latest values").wait_for(timeout=30000)


def _latest(page) -> str:
    return page.locator(".livesim-latest").inner_text()


def _plots(page) -> list[str]:
    return page.eval_on_selector_all("img", "els => els.map(e => e.src)")


def test_dashboard(dashboard, page, tmp_path):
    page.goto(dashboard)
    page.get_by_role("button", name="Step").wait_for(timeout=60000)
    page.get_by_text("Levers and shocks").wait_for()
    assert page.locator("img").count() >= 4   # the four live plots
    _step(page, 3)
    first, first_plots = _latest(page), _plots(page)
    assert "top50_traffic_share" in first and "gmv" in first
    page.screenshot(path=str(tmp_path / "dashboard_stepped.png"), full_page=True)

    # reset: the same seed replays the same run
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Day 0: latest values").wait_for()
    _step(page, 3)
    assert _latest(page) == first

    # reset, move the cap slider to its minimum (1%), step: the series change
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Day 0: latest values").wait_for()
    thumb = page.locator(".livesim-cap [role=slider]")
    thumb.focus()
    thumb.press("Home")
    page.get_by_text("per-anchor cap 0.01").wait_for(timeout=10000)
    _step(page, 3)
    capped = _latest(page)
    assert capped != first
    assert _plots(page) != first_plots
    page.screenshot(path=str(tmp_path / "dashboard_capped.png"), full_page=True)

    # the coalition panel estimates the game of the current state and gives a verdict
    page.get_by_role("button", name="Estimate the game").click()
    verdict = page.locator(".livesim-core-verdict")
    verdict.wait_for(timeout=120000)
    assert re.search(r"core: (empty|non-empty)", verdict.inner_text())
    table = page.locator(".livesim-coalition-result table").inner_text()
    assert "shapley" in table and "nucleolus" in table
    page.screenshot(path=str(tmp_path / "dashboard_coalition.png"), full_page=True)
    assert not page.errors, page.errors
