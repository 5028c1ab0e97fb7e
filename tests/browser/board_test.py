"""The board in a real browser (Debian's Chromium, driven by Playwright).

Run by scripts/board_browser.sh, which starts the real binary on a fresh
SQLite data directory with a clinic clock file, and passes its address, an
admin key, the clock file, axe-core and where screenshots go:

    python3 tests/browser/board_test.py BASE KEY CLOCK AXE_JS SHOTS_DIR

Seeds a clinic open every day in New York and books two IV inductions from
Sunday 14 March 2027 — the day the clocks go forward, a 23-hour day — then
checks, as a person would see it: the bars sit where their sessions are on
the clinic's time axis; a drag that breaks a rule is refused with its
reason and changes nothing; a check-in from the session's panel reaches the
API and the board shows it; a change made elsewhere appears without a
reload; axe-core finds no serious or critical accessibility violation, at
1280x800 and on a tablet in portrait. Screenshots of the day board and a
course timeline are written for the docs.
"""

import json
import re
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect, sync_playwright

BASE, KEY, CLOCK, AXE, SHOTS = sys.argv[1:6]
DST_DAY = "2027-03-14"
ZONE = "America/New_York"
CHROMIUM = "/usr/bin/chromium"


def api(method, path, body=None, key=KEY, if_match=None):
    """Calls the API; returns (status, json, etag)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if if_match:
        request.add_header("If-Match", if_match)
    try:
        with urllib.request.urlopen(request) as reply:
            text = reply.read().decode()
            return reply.status, (json.loads(text) if text else None), reply.headers.get("ETag")
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, (json.loads(text) if text else None), None


def ok(method, path, body=None, **kw):
    status, answer, _ = api(method, path, body, **kw)
    assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
    return answer


def set_clock(instant):
    with open(CLOCK, "w") as f:
        f.write(instant.strftime("%Y-%m-%dT%H:%M:%SZ"))


def seed():
    """A clinic open every day 08:00-18:00, two chairs (one blocked for two
    hours), four inductions from the DST Sunday, two scores on each."""
    set_clock(datetime(2027, 3, 12, 14, 0, tzinfo=timezone.utc))
    day = [{"opens": "08:00", "closes": "18:00"}]
    hours = {d: day for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    clinic = ok("POST", "/v1/clinics", {"name": "Board Clinic", "time_zone": ZONE, "hours": hours})
    c = f"/v1/clinics/{clinic['id']}"
    chairs = [ok("POST", f"{c}/chairs", {"label": f"Chair {n}", "modalities": ["iv", "intranasal"]})
              for n in (1, 2)]
    # Chair 2 is blocked 15:00-17:00 on the DST day (19:00-21:00 UTC, EDT).
    ok("POST", f"{c}/closures", {"chair_id": chairs[1]["id"], "reason": "pump service",
        "span": {"kind": "instants", "start": "2027-03-14T19:00:00Z", "end": "2027-03-14T21:00:00Z"}})
    protocol = next(p for p in ok("GET", f"{c}/protocols") if p["code"] == "iv-ketamine-standard")
    courses = []
    for n, name in ((1, "Ada Example"), (2, "Ben Example"), (3, "Cy Example"), (4, "Di Example")):
        patient = ok("POST", f"{c}/patients", {
            "external_ref": f"MRN-{n}", "display_name": name,
            "intake_assessed_on": "2027-03-01", "consent_on_file": True, "escort_confirmed": True,
            "preferences": {"preferred_start": "10:00"},
        })
        courses.append(ok("POST", f"{c}/courses", {
            "patient_id": patient["id"], "protocol_id": protocol["id"], "earliest": DST_DAY}))
    for course, (score, days) in ((k, m) for k in courses for m in ((20, 0), (14, 1))):
        ok("POST", f"{c}/courses/{course['id']}/measures", {
            "instrument": "phq9", "score": score,
            "measured_at": (datetime(2027, 3, 10, 15, tzinfo=timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return clinic, c, courses


def sessions_on(c, date):
    sheet = ok("GET", f"{c}/day-sheet?date={date}")
    return [s for chair in sheet["chairs"] for s in chair["sessions"]]


def sign_in(page, clinic):
    page.goto(f"{BASE}/board#date={DST_DAY}")
    page.get_by_label("Clinic").fill(str(clinic["id"]))
    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".bar").first).to_be_visible()
    assert KEY not in page.url and "Example" not in page.title()


def local_minutes(instant):
    """Minutes after local midnight in New York on the DST day (EDT, UTC-4,
    from 03:00)."""
    t = datetime.fromisoformat(instant.replace("Z", "+00:00")) - timedelta(hours=4)
    return t.hour * 60 + t.minute


def bars_sit_where_their_sessions_are(page, c):
    for s in sessions_on(c, DST_DAY):
        bar = page.locator(f".bar[data-session='{s['id']}']")
        box = bar.bounding_box()
        hour = local_minutes(s["start"]) // 60
        tick = page.locator(".tick", has_text=f"{hour:02d}:00").first.bounding_box()
        next_tick = page.locator(".tick", has_text=f"{hour + 1:02d}:00").first.bounding_box()
        per_minute = (next_tick["x"] - tick["x"]) / 60
        expected = tick["x"] + (local_minutes(s["start"]) % 60) * per_minute
        assert abs(box["x"] - expected) < 2, f"session {s['id']} at {box['x']}, expected {expected}"
        assert s["local"]["start"] in bar.get_attribute("aria-label")


def a_drag_that_breaks_a_rule_is_refused(page, c):
    s = sessions_on(c, DST_DAY)[0]
    bar = page.locator(f".bar[data-session='{s['id']}']")
    box = bar.bounding_box()
    lane = page.locator(f".row[data-chair='{s['chair_id']}'] .lane").bounding_box()
    # To the end of the day: the session would run past closing time.
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(lane["x"] + lane["width"] - 10, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    answer = page.locator("#answer")
    expect(answer).to_contain_text("Refused")
    assert "opening" in answer.inner_text().lower() or "hours" in answer.inner_text().lower(), answer.inner_text()
    _, after, _ = api("GET", f"{c}/sessions/{s['id']}")
    assert after["start"] == s["start"], "a refused move changes nothing"


def a_check_in_from_the_panel_reaches_the_api(page, c):
    s = sessions_on(c, DST_DAY)[0]
    start = datetime.fromisoformat(s["start"].replace("Z", "+00:00"))
    set_clock(start + timedelta(minutes=1))
    page.locator(f".bar[data-session='{s['id']}']").click()
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(f".bar[data-session='{s['id']}']")).to_have_class(
        re.compile(r"\bchecked_in\b"))
    _, after, _ = api("GET", f"{c}/sessions/{s['id']}")
    assert after["status"] == "checked_in"


def a_change_elsewhere_appears_without_a_reload(page, c):
    s = [x for x in sessions_on(c, DST_DAY) if x["status"] == "booked"][0]
    _, _, etag = api("GET", f"{c}/sessions/{s['id']}")
    ok("POST", f"{c}/sessions/{s['id']}/cancel", {"scope": "this", "reason": "unwell"}, if_match=etag)
    expect(page.locator(f".bar[data-session='{s['id']}']")).to_have_class(
        re.compile(r"\bcancelled\b"), timeout=12000)


def no_serious_accessibility_violation(page, where):
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{where}: " + json.dumps(
        [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in serious], indent=1)


def main():
    clinic, c, courses = seed()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, clinic)
        bars_sit_where_their_sessions_are(page, c)
        no_serious_accessibility_violation(page, "day board, 1280x800")
        a_drag_that_breaks_a_rule_is_refused(page, c)
        a_check_in_from_the_panel_reaches_the_api(page, c)
        a_change_elsewhere_appears_without_a_reload(page, c)
        first = sessions_on(c, DST_DAY)[0]
        page.locator(f".bar[data-session='{first['id']}']").click()
        no_serious_accessibility_violation(page, "day board with a session's panel")
        page.screenshot(path=f"{SHOTS}/board-day.png")
        page.get_by_role("button", name="Course").click()
        expect(page.locator("#timeline svg")).to_be_visible()
        expect(page.locator("#scores svg")).to_be_visible()
        no_serious_accessibility_violation(page, "course timeline")
        page.screenshot(path=f"{SHOTS}/board-course.png", full_page=True)
        tablet = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
        small = tablet.new_page()
        sign_in(small, clinic)
        no_serious_accessibility_violation(small, "day board, tablet portrait")
        assert not errors, errors
        browser.close()
    print("board: every browser check passed")


if __name__ == "__main__":
    main()
