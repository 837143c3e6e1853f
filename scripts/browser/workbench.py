"""The workbench in a real browser: headless Chromium from Debian, driven by Selenium.

A 街道 handler signs in, sees the new ticket in the inbox, signs for it and replies with a photo;
the dispatcher approves the reply; the callback seat records "satisfied"; the supervisor's board
and the monthly ranking show the counts the API reports. Every page is photographed at 1280 px
and at 375 px (SHOTS directory) and checked for horizontal overflow at 375 px, and the browser's
console must show no Content-Security-Policy violation.

Environment: BASE (the service), SHOTS (screenshot folder), and the logins/passwords/tokens the
calling script created: HANDLER, DISPATCHER, CALLBACK, SUPERVISOR, PASSWORD, AGENT_TOKEN,
DISPATCHER_TOKEN, SUPERVISOR_TOKEN, STREET_UNIT_ID.
"""
import json
import os
import struct
import sys
import tempfile
import urllib.request
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["BASE"]
SHOTS = os.environ["SHOTS"]
PASSWORD = os.environ["PASSWORD"]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def api(method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read().decode())


def png(path, width=64, height=48):
    """A real PNG (a blue-green gradient), written with zlib only."""
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (0, (x * 4) % 256, (y * 5) % 256)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def photograph(d, name):
    """Screenshots at 1280 px and 375 px; at 375 px nothing may be wider than the screen."""
    for width in (1280, 375):
        d.set_window_size(width, 900)
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(width, min(max(height + 120, 600), 6000))
        d.save_screenshot(os.path.join(SHOTS, f"{name}-{width}.png"))
        if width == 375:
            inner = d.execute_script("return window.innerWidth")
            scroll = d.execute_script("return document.documentElement.scrollWidth")
            check(scroll <= inner + 1, f"{name}: fits 375 px (content {scroll} px, window {inner} px)")
    d.set_window_size(1280, 900)
    violations = csp_violations(d)
    check(not violations, f"{name}: no Content-Security-Policy violation in the console {violations[:2]}")


def csp_violations(d):
    return [e["message"] for e in d.get_log("browser") if "Content Security Policy" in e.get("message", "")]


def sign_in(d, login):
    d.delete_all_cookies()
    d.get(BASE + "/")
    d.find_element(By.NAME, "login").send_keys(login)
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    click_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))
    check("/ui/" in d.current_url, f"{login} signed in (at {d.current_url})")


def submit(d, verb, fields=(), selects=(), files=()):
    form = d.find_element(By.CSS_SELECTOR, f"form[data-verb='{verb}']")
    for name, value in fields:
        form.find_element(By.NAME, name).send_keys(value)
    for name, value in selects:
        Select(form.find_element(By.NAME, name)).select_by_value(value)
    for name, path in files:
        form.find_element(By.NAME, name).send_keys(path)
    click_and_wait(d, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def click_and_wait(d, element):
    """Clicks and waits until the next page has replaced this one."""
    old = d.find_element(By.TAG_NAME, "html")
    element.click()
    def replaced(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:  # stale, or (Chromium) "does not belong to the document"
            return True
    WebDriverWait(d, 20).until(replaced)
    WebDriverWait(d, 20).until(lambda drv: drv.execute_script("return document.readyState") == "complete")


def status_on_page(d):
    found = d.find_elements(By.CSS_SELECTOR, "dd[data-status]")
    if not found:
        print("page without a ticket status:", d.current_url, d.find_element(By.TAG_NAME, "body").text[:500], flush=True)
        return None
    return found[0].get_attribute("data-status")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    agent, dispatcher_token, supervisor_token = os.environ["AGENT_TOKEN"], os.environ["DISPATCHER_TOKEN"], os.environ["SUPERVISOR_TOKEN"]
    ticket = api("POST", "/v1/tickets", agent, {
        "hotline_number": "12345", "channel": "phone", "nature": "complaint", "category_code": "市政设施/路灯",
        "region_code": "330106002", "title": "西溪路路灯不亮", "content": "西溪路 88 号门前路灯连续三晚不亮，夜间行人不安全。<b>请尽快修复</b>",
        "caller": {"name": "王五", "phone": "13700137000"}})
    tid, number = ticket["id"], ticket["number"]
    api("POST", f"/v1/tickets/{tid}/dispatch", dispatcher_token, {"lead_unit_id": os.environ["STREET_UNIT_ID"]})

    d = browser()
    try:
        d.get(BASE + "/")
        photograph(d, "01-sign-in")

        # The 街道 handler: the inbox, the ticket, sign, reply with a photo.
        sign_in(d, os.environ["HANDLER"])
        d.get(BASE + "/ui/inbox?state=to_accept")
        rows = d.find_elements(By.CSS_SELECTOR, f"tr[data-ticket='{tid}']")
        check(len(rows) == 1, "the new ticket is in the handler's inbox")
        check(rows and "剩余" in rows[0].text, "the inbox shows the time left")
        photograph(d, "02-inbox")
        click_and_wait(d, rows[0].find_element(By.TAG_NAME, "a"))
        check("13700137000" not in d.page_source and "137****7000" in d.page_source, "the unit sees the caller masked")
        check("<b>请尽快修复</b>" in d.find_element(By.CSS_SELECTOR, "p.content").text, "the ticket's markup shows as text")
        photograph(d, "03-ticket-dispatched")
        submit(d, "accept")
        check(status_on_page(d) == "accepted", "signed for (签收)")
        with tempfile.TemporaryDirectory() as tmp:
            photo = os.path.join(tmp, "修复后.png")
            png(photo)
            submit(d, "reply", fields=[("content", "已更换灯泡，路灯恢复照明。")], selects=[("caller_informed", "true")], files=[("evidence", photo)])
        check(status_on_page(d) == "replied", "replied with a photo")
        check("修复后.png" in d.page_source, "the photo is listed on the ticket")
        photograph(d, "04-ticket-replied")

        # The dispatcher reviews the reply, sees the evidence, approves.
        sign_in(d, os.environ["DISPATCHER"])
        photograph(d, "05-queue")
        d.get(BASE + f"/ui/tickets/{tid}")
        link = d.find_element(By.LINK_TEXT, "修复后.png")
        check(link.get_attribute("href").endswith("/attachments/" + api("GET", f"/v1/tickets/{tid}/attachments", agent)["items"][0]["id"]),
              "the reviewer sees the evidence")
        submit(d, "reply-review", fields=[("note", "办理到位")], selects=[("approve", "true")])
        check(status_on_page(d) == "awaiting_callback", "the reply is approved")

        # The callback seat records "satisfied".
        sign_in(d, os.environ["CALLBACK"])
        check(len(d.find_elements(By.CSS_SELECTOR, f"tr[data-ticket='{tid}']")) == 1, "the ticket is in the callback queue")
        photograph(d, "06-callbacks")
        d.get(BASE + f"/ui/tickets/{tid}")
        submit(d, "callback", selects=[("reached", "true"), ("satisfaction", "satisfied"), ("resolved", "true")])
        check(status_on_page(d) == "closed", "the callback closed the case")
        photograph(d, "07-ticket-closed")

        # The supervisor's board and the ranking against the API.
        sign_in(d, os.environ["SUPERVISOR"])
        month = ticket["received_at"][:7]
        report = api("GET", f"/v1/reports/monthly?month={month}&level=street", supervisor_token)
        street = next(i for i in report["items"] if i["unit_id"] == os.environ["STREET_UNIT_ID"])
        row = d.find_element(By.CSS_SELECTOR, f"#ranking tr[data-unit='{street['unit_id']}']")
        check(row.find_element(By.CSS_SELECTOR, "td.received").text == str(street["received"]), f"the board's ranking shows {street['received']} dispatched like the API")
        check(row.find_element(By.CSS_SELECTOR, "td.score").text == (f"{street['score']:.1f}" if street["score"] is not None else "—"),
              "the board's score is the API's")
        hotline = d.find_element(By.CSS_SELECTOR, "#intake tr[data-hotline='12345'] td:last-child").text
        check(int(hotline) >= 1, "today's intake by line counts the ticket")
        check(len(d.find_elements(By.CSS_SELECTOR, "#ranking svg rect")) >= 1, "the ranking is drawn as a chart")
        photograph(d, "08-board")
        d.get(BASE + f"/ui/reports/monthly?month={month}&level=street")
        row = d.find_element(By.CSS_SELECTOR, f"tr[data-unit='{street['unit_id']}']")
        check(row.find_element(By.CSS_SELECTOR, "td.received").text == str(street["received"]), "the monthly page agrees with the API")
        photograph(d, "09-monthly-report")
    finally:
        d.quit()
    print(f"screenshots in {SHOTS}")
    if failures:
        print(f"{len(failures)} browser check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
