"""The mobile security code — the device soft token (domain.md §5, docs/token.md) — through the
binary with KUNLUNCTL_NOW on a test store: every transition and refusal of the state table, the
ID-digit challenge, the 6-hour high-risk wait, sync, disable, the freezes and their ends, the
report, the cooling-off after a reserved-phone change, and the roles."""
import json
import re
import subprocess
from datetime import datetime, timezone

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_in, expect_not_in, expect_ok

T0 = "2026-03-02T10:00:00+08:00"  # 02:00 UTC
HOUR, DAY = 3600, 86400
FAST = "[crypto.argon2]\nmemory_kib = 64\ntime_cost = 1\n"
ZHANG_ID = "11010519491231002X"
ZHANG_IDENTITY = ["--id-number", ZHANG_ID, "--name", "张伟"]
HKID_STORED = "A1234563"  # A123456(3) as stored: position 1 is a letter, position 8 the check digit
PIN = "502983"
WRONG = "864209"
MB, INVEST = "mobile-banking", "invest"

# The example fixture, with a second device of 张伟's that has only mobile-banking (D2) and a
# device of 陳大文's (H1): C000003 is the last customer, so the table attaches to him.
D2 = '''
  [[customer.device]]
  id = "D2"
  apps = ["mobile-banking"]
  encrypted = true
  app_version = "6.2.5"
  rooted = false
'''
H1 = '''
  [[customer.device]]
  id = "H1"
  apps = ["mobile-banking", "invest"]
  encrypted = true
  app_version = "6.3.0"
  rooted = false
'''
FIXTURE = kltest.EXAMPLE_FIXTURE.replace('  rooted = false\n', '  rooted = false\n' + D2, 1) + H1


def setup(k, config=""):
    k.write_config(FAST + config)
    k.init()
    k.ok("fixtures", "load", k.write("token.toml", FIXTURE))


def target(customer="C000001", device="D1"):
    return ["--customer", customer, "--device", device]


def token(k, sub, *args, now=T0, op="alice", customer="C000001", device="D1", stdin="", json_out=True):
    return k.run("token", sub, *target(customer, device), *args, op=op, now=now, stdin=stdin, json=json_out)


def status(k, now=T0, customer="C000001", device="D1"):
    r = token(k, "status", now=now, customer=customer, device=device)
    expect_ok(r)
    return r.json


def app_entry(st, app):
    found = [a for a in st["apps"] if a["app"] == app]
    expect(len(found) == 1, f"exactly one entry for {app} in {st['apps']}")
    return found[0]


def challenge(k, now=T0, customer="C000001", device="D1"):
    r = token(k, "challenge", now=now, customer=customer, device=device)
    expect_ok(r)
    return r.json["positions"]


def digits_at(positions, id_number=ZHANG_ID):
    return "".join(id_number[p - 1] for p in positions)


def enable_run(k, now, app, digits, code, pin=PIN, confirm=None, device="D1"):
    stdin = f"{pin}\n{pin if confirm is None else confirm}\n"
    return token(k, "enable", "--app", app, "--id-digits", digits, "--otp", code, "--pin-stdin", now=now,
                 device=device, stdin=stdin)


def enable(k, now, app=MB, pin=PIN, device="D1"):
    """Challenge, SMS code, enable: must succeed. Returns the command's JSON."""
    digits = digits_at(challenge(k, now, device=device))
    r = enable_run(k, now, app, digits, k.send_otp(now, "token"), pin=pin, device=device)
    expect_ok(r)
    return r.json


def verify(k, now, pin, app=MB, high_risk=False):
    return token(k, "verify", "--app", app, *(["--high-risk"] if high_risk else []), "--pin-stdin", now=now,
                 stdin=pin + "\n")


def sync(k, now, app, pin=PIN):
    return token(k, "sync", "--app", app, "--pin-stdin", now=now, stdin=pin + "\n")


def freeze(k, when, app=INVEST):
    """Six wrong PINs in a row, the sixth exactly at `when`; returns the sixth's result."""
    for i in range(5):
        expect_error(verify(k, at(when, i - 5), WRONG, app), 77, "wrong-password", f"{5 - i} more")
    return verify(k, when, WRONG, app)


def totp(now):
    """The e-password device's code at `now` (RFC 6238: SHA1, 30 s, 6 digits)."""
    utc = datetime.fromisoformat(now).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return subprocess.run(["oathtool", "--totp", "-b", "JBSWY3DPEHPK3PXP", "--now", utc], capture_output=True,
                          text=True, check=True).stdout.strip()


def audit(k, customer="C000001"):
    return k.ok("audit", "list", "--customer", customer, op="carol", json=True).json


def expired_entries(k):
    return [e for e in audit(k) if "unfrozen: expired" in json.dumps(e["details"], ensure_ascii=False)]


def token_sms(k, now=T0):
    """The token_frozen SMS delivered so far (notifications other than codes wait in the outbox
    for `notify dispatch`)."""
    k.ok("notify", "dispatch", op="alice", now=now)
    return [m for m in k.sms() if m["template"] == "token_frozen"]


def customer_login(k):
    return k.ok("customer", "show", "C000001", op="alice", json=True).json["login"]


def snapshot(k):
    """The stored token rows, the challenges, the one-time codes and the customer's login: what
    a refused token command must leave as it was."""
    with k.db() as db:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("tokens", "token_apps", "token_freezes", "token_challenges", "otps", "customers")}


# --- status and challenge ---

def test_status_of_a_device_that_never_had_a_token(k):
    setup(k)
    r = token(k, "status")
    expect_ok(r)
    expect(set(r.json) >= {"state", "frozen_until", "apps"}, "status fields", r)
    expect_eq(r.json["state"], "not-enabled", "state", r)
    expect_eq(r.json["frozen_until"], None, "frozen_until", r)
    expect_eq(sorted(a["app"] for a in r.json["apps"]), [INVEST, MB], "one entry per installed app", r)
    for a in r.json["apps"]:
        expect_eq((a["linked"], a["biometric"], a["high_risk_from"]), (False, False, None), f"{a['app']} unlinked", r)
    expect_eq([a["app"] for a in status(k, device="D2")["apps"]], [MB], "D2 has mobile-banking only")
    table = token(k, "status", json_out=False)
    expect_ok(table)
    expect_in("not-enabled", table.out, "table output")
    # 陳大文's device is not 张伟's, and a device nobody has is nobody's.
    expect_error(token(k, "status", device="H1"), 67, "not-found")
    expect_error(token(k, "status", device="D9"), 67, "not-found")
    expect_error(token(k, "status", customer="C000404"), 67, "not-found")
    expect_eq(token(k, "status", customer="C000003", device="H1").json["state"], "not-enabled", "H1 is C000003's")


def test_challenge_asks_for_three_digit_positions_only(k):
    setup(k)
    seen = set()
    for i in range(30):
        now = at(T0, i)
        r = token(k, "challenge", now=now, customer="C000003", device="H1")
        expect_ok(r)
        expect(set(r.json) >= {"positions", "expires_at"}, "challenge fields", r)
        expect(not set(r.json) - {"positions", "expires_at", "customer", "device"}, "nothing else (no digits)", r)
        p = r.json["positions"]
        expect(len(p) == 3 and len(set(p)) == 3, f"3 distinct positions: {p}", r)
        expect(all(isinstance(x, int) and 1 <= x <= len(HKID_STORED) for x in p), f"1-based, within the ID: {p}", r)
        expect(all(HKID_STORED[x - 1].isdigit() for x in p), f"digits only (position 1 is a letter): {p}", r)
        expect_eq(r.json["expires_at"], at(now, 300), "expires 5 minutes later", r)
        seen.update(p)
    expect(1 not in seen, "the letter at position 1 is never asked for")
    expect(len(seen) >= 5, f"positions vary between challenges: {sorted(seen)}")
    # 张伟's resident ID ends in the check character X: position 18 is never asked for.
    for i in range(30):
        expect(18 not in challenge(k, at(T0, 100 + i)), "position 18 (X) is never asked for")
    # The table output names the positions and the time, never the digits at them.
    r = token(k, "challenge", now=at(T0, 200), json_out=False)
    expect_ok(r)
    found = re.search(r"\[(\d+),\s*(\d+),\s*(\d+)\]", r.out)
    expect(found is not None, "the positions are printed", r)
    rest = r.out.replace(found.group(0), "").replace(at(T0, 500), "")
    expect(not re.search(r"\d", rest), f"no other digit in the output: {rest!r}", r)
    for entry in audit(k):
        if entry["command"] == "token challenge":
            expect_not_in("digits", json.dumps(entry["details"]), "the audit keeps positions, not digits")


def test_challenge_lifetime_comes_from_config(k):
    setup(k, "[policy.token]\nchallenge_ttl_seconds = 120\n")
    r = token(k, "challenge")
    expect_ok(r)
    expect_eq(r.json["expires_at"], at(T0, 120), "expires_at follows policy.token.challenge_ttl_seconds", r)
    code = k.send_otp(T0, "token")
    expect_error(enable_run(k, at(T0, 120), MB, digits_at(r.json["positions"]), code), 77, "challenge-expired")
    expect_ok(enable_run(k, at(T0, 119), MB, digits_at(challenge(k, at(T0, 119))), code))


def test_challenge_expires_after_five_minutes(k):
    setup(k)
    digits = digits_at(challenge(k))
    code = k.send_otp(T0, "token")
    expect_error(enable_run(k, at(T0, 300), MB, digits, code), 77, "challenge-expired")
    expect_eq(status(k, at(T0, 300))["state"], "not-enabled", "nothing enabled")
    expect_ok(enable_run(k, at(T0, 299), MB, digits, code))  # one second before: still valid
    expect_eq(status(k, at(T0, 299))["state"], "active", "enabled")


def test_a_new_challenge_replaces_the_old_one(k):
    setup(k)
    old = digits_at(challenge(k))
    # Ask again until the new positions want other digits than the old ones (the ID repeats
    # digits, so different positions can still want the same answer).
    for i in range(1, 40):
        new = digits_at(challenge(k, at(T0, i)))
        if new != old:
            break
    expect(new != old, "some new challenge wants other digits")
    code = k.send_otp(at(T0, 60), "token")
    expect_error(enable_run(k, at(T0, 60), MB, old, code), 77, "id-digits-mismatch")
    # That answer used the current challenge up: its right digits are refused now too.
    expect_error(enable_run(k, at(T0, 61), MB, new, code), 77, "challenge-invalid", "challenge")
    expect_eq(status(k, at(T0, 61))["state"], "not-enabled", "nothing enabled")
    expect_ok(enable_run(k, at(T0, 62), MB, digits_at(challenge(k, at(T0, 62))), code))


# --- enable ---

def test_enable_in_mobile_banking_waits_six_hours(k):
    setup(k)
    j = enable(k, T0, MB)
    expect_eq(j["state"], "active", "state")
    st = status(k)
    expect_eq(st["state"], "active", "status")
    expect_eq(app_entry(st, MB), {"app": MB, "linked": True, "biometric": False, "high_risk_from": at(T0, 6 * HOUR)},
              "mobile-banking: linked, biometric off, high-risk from now + 6 h")
    expect_eq(app_entry(st, INVEST), {"app": INVEST, "linked": False, "biometric": False, "high_risk_from": None},
              "invest untouched")
    # An ordinary PIN check works at once; high-risk use waits 6 hours, and a refused request
    # costs the customer no attempt (the PIN is not even read).
    expect_ok(verify(k, at(T0, 60), PIN, MB))
    early = at(T0, 6 * HOUR - 60)
    expect_error(verify(k, early, WRONG, MB, high_risk=True), 77, "high-risk-not-yet", at(T0, 6 * HOUR))
    expect_error(verify(k, early, PIN, MB, high_risk=True), 77, "high-risk-not-yet")
    expect_eq(status(k, early)["wrong_pins"], 0, "a refused high-risk request counts no PIN")
    expect_error(verify(k, at(T0, 6 * HOUR - 1), PIN, MB, high_risk=True), 77, "high-risk-not-yet")
    r = verify(k, at(T0, 6 * HOUR), PIN, MB, high_risk=True)
    expect_ok(r)
    expect_eq((r.json["ok"], r.json["high_risk"]), (True, True), "allowed at 6 h exactly", r)
    # invest is installed but not linked: refused before the PIN is looked at, saying so.
    line = expect_error(verify(k, at(T0, 6 * HOUR), WRONG, INVEST), 77, "app-not-linked", INVEST, "sync")
    expect_not_in("biometric", line, "the message is about the PIN check")
    expect_eq(status(k, at(T0, 6 * HOUR))["wrong_pins"], 0, "no PIN counted in an unlinked app")


def test_enable_in_invest_is_usable_at_once(k):
    setup(k)
    enable(k, T0, INVEST)
    st = status(k)
    expect_eq(app_entry(st, INVEST), {"app": INVEST, "linked": True, "biometric": False, "high_risk_from": T0},
              "invest: high-risk from now")
    expect_eq(app_entry(st, MB)["linked"], False, "mobile-banking not linked")
    r = verify(k, T0, PIN, INVEST, high_risk=True)
    expect_ok(r)
    expect_eq(r.json["high_risk"], True, "high-risk use at once", r)
    expect_error(verify(k, T0, PIN, MB, high_risk=True), 77, "app-not-linked")


def test_enable_checks_device_app_and_enabled_state(k):
    setup(k)
    code = k.send_otp(T0, "token")
    # Another customer's device, an unknown one: 67 before anything else.
    expect_error(token(k, "challenge", device="H1"), 67, "not-found")
    expect_error(enable_run(k, T0, MB, "123", code, device="H1"), 67, "not-found")
    expect_error(enable_run(k, T0, MB, "123", code, device="D9"), 67, "not-found")
    # D2 carries mobile-banking only.
    digits = digits_at(challenge(k, device="D2"))
    expect_error(enable_run(k, T0, INVEST, digits, code, device="D2"), 77, "app-not-installed", INVEST)
    expect_eq(status(k, device="D2")["state"], "not-enabled", "nothing enabled on D2")
    expect_ok(enable_run(k, T0, MB, digits, code, device="D2"))  # the challenge and code were not spent
    expect_eq(status(k, device="D1")["state"], "not-enabled", "one token per device: D1 untouched")
    # Enabling again, in either app, is refused: another app links by sync.
    enable(k, at(T0, 120), MB)
    code = k.send_otp(at(T0, 180), "token")
    for app in (MB, INVEST):
        expect_error(enable_run(k, at(T0, 180), app, digits_at(challenge(k, at(T0, 180))), code), 77,
                     "token-already-enabled")
    expect_eq(app_entry(status(k, at(T0, 180)), INVEST)["linked"], False, "invest not linked by the refusal")


def test_enable_refuses_wrong_digits_and_uses_the_challenge_up(k):
    setup(k)
    code = k.send_otp(T0, "token")
    expect_error(enable_run(k, T0, MB, "123", code), 77, "challenge-invalid")  # no challenge yet
    positions = challenge(k)
    right = digits_at(positions)
    wrong = "".join(str((int(d) + 1) % 10) for d in right)
    expect_error(enable_run(k, T0, MB, wrong, code), 77, "id-digits-mismatch")
    expect_eq(status(k)["state"], "not-enabled", "not enabled")
    expect_error(enable_run(k, at(T0, 1), MB, right, code), 77, "challenge-invalid", "challenge")
    expect_eq(status(k, at(T0, 1))["state"], "not-enabled", "not enabled")
    # The SMS code was not spent by the refusals: a new challenge and the same code enable it.
    expect_ok(enable_run(k, at(T0, 2), MB, digits_at(challenge(k, at(T0, 2))), code))
    refused = [e for e in audit(k) if e["command"] == "token enable" and e["outcome"] == "refused"]
    expect_eq([e["details"]["error"] for e in refused][:2], ["challenge-invalid", "id-digits-mismatch"], "audited")


def test_enable_checks_the_sms_code_and_the_pin(k):
    setup(k)
    digits = digits_at(challenge(k))
    r = enable_run(k, T0, MB, digits, "123456")
    expect_error(r, 77, "otp-invalid")  # none sent yet
    code = k.send_otp(T0, "token")
    reset_code = k.send_otp(T0, "reset-txn")
    expect_error(enable_run(k, T0, MB, digits_at(challenge(k)), reset_code), 77, "otp-invalid")  # wrong purpose
    digits = digits_at(challenge(k))
    expect_error(enable_run(k, T0, MB, digits, code, pin=PIN, confirm="502984"), 65, "confirmation-mismatch")
    # The transaction-password weakness rule (domain.md §3): repeats, runs, pairs, triples, the
    # birth date 1949-12-31 in its 6-digit forms, the reserved phone's last 6 digits.
    for weak in ("123456", "111111", "654321", "121212", "123123", "491231", "123149", "311249", "194912",
                 "001152"):
        expect_error(enable_run(k, T0, MB, digits, code, pin=weak), 65, "weak-password")
    expect_error(enable_run(k, T0, MB, digits, code, pin="50298"), 65, "weak-password")  # 5 digits
    expect_eq(status(k)["state"], "not-enabled", "nothing enabled by the refusals")
    r = enable_run(k, T0, MB, digits, code)
    expect_ok(r)
    # The code is single-use; the secrets appear nowhere.
    expect_error(enable_run(k, T0, INVEST, digits_at(challenge(k)), code), 77, "token-already-enabled")
    for where in (r.out + r.err, json.dumps(audit(k), ensure_ascii=False), k.dump()):
        expect_not_in(PIN, where, "the PIN")
        expect_not_in(code, where, "the SMS code")
    # No PIN on stdin and no terminal: the PIN is never an option.
    r = token(k, "enable", "--app", MB, "--id-digits", digits, "--otp", code, now=T0)
    expect_error(r, 64, "usage")


def test_enable_for_an_hkid_customer(k):
    setup(k)
    positions = challenge(k, customer="C000003", device="H1")
    code = k.send_otp(T0, "token", customer="C000003")
    r = token(k, "enable", "--app", INVEST, "--id-digits", digits_at(positions, HKID_STORED), "--otp", code,
              "--pin-stdin", customer="C000003", device="H1", stdin=f"{PIN}\n{PIN}\n")
    expect_ok(r)
    expect_eq(status(k, customer="C000003", device="H1")["state"], "active", "enabled")
    expect_eq(status(k)["state"], "not-enabled", "张伟's token is another one")


# --- sync ---

def test_sync_from_mobile_banking_into_invest(k):
    setup(k)
    enable(k, T0, MB)
    now = at(T0, HOUR)
    expect_error(sync(k, now, INVEST, WRONG), 77, "wrong-password", "5 more")
    st = status(k, now)
    expect_eq((app_entry(st, INVEST)["linked"], st["wrong_pins"]), (False, 1), "not linked; the wrong PIN counts")
    r = sync(k, now, INVEST)
    expect_ok(r)
    st = status(k, now)
    expect_eq(st["wrong_pins"], 0, "a right PIN clears the counter")
    expect_eq(app_entry(st, INVEST), {"app": INVEST, "linked": True, "biometric": False, "high_risk_from": now},
              "invest linked, usable at once")
    expect_eq(app_entry(st, MB)["high_risk_from"], at(T0, 6 * HOUR), "mobile-banking keeps its wait")
    expect_ok(verify(k, now, PIN, INVEST, high_risk=True))
    expect_error(verify(k, now, PIN, MB, high_risk=True), 77, "high-risk-not-yet")
    expect_error(sync(k, now, INVEST), 77, "app-already-linked")
    expect_error(sync(k, now, MB), 77, "app-already-linked")


def test_sync_from_invest_into_mobile_banking_starts_its_wait(k):
    setup(k)
    expect_error(sync(k, T0, MB), 77, "token-not-enabled")
    enable(k, T0, INVEST)
    now = at(T0, 2 * HOUR)
    expect_ok(sync(k, now, MB))
    st = status(k, now)
    expect_eq(app_entry(st, MB), {"app": MB, "linked": True, "biometric": False, "high_risk_from": at(now, 6 * HOUR)},
              "mobile-banking: the wait counts from the sync")
    expect_eq(app_entry(st, INVEST)["high_risk_from"], T0, "invest keeps its time")
    expect_error(verify(k, at(now, 6 * HOUR - 1), PIN, MB, high_risk=True), 77, "high-risk-not-yet")
    expect_ok(verify(k, at(now, 6 * HOUR), PIN, MB, high_risk=True))
    # D2 has no invest: nothing to sync into.
    enable(k, at(T0, 60), MB, device="D2")
    r = k.run("token", "sync", *target(device="D2"), "--app", INVEST, "--pin-stdin", op="alice", now=at(T0, 60),
              stdin=PIN + "\n", json=True)
    expect_error(r, 77, "app-not-installed")


def test_sync_into_mobile_banking_restarts_the_wait(k):
    setup(k)
    enable(k, T0, MB)
    expect_ok(verify(k, at(T0, 7 * HOUR), PIN, MB, high_risk=True))  # the first wait is over
    expect_ok(token(k, "disable", "--app", MB, now=at(T0, 8 * HOUR)))
    expect_error(verify(k, at(T0, 8 * HOUR), PIN, MB, high_risk=True), 77, "token-not-enabled")
    enable(k, at(T0, 9 * HOUR), INVEST)
    synced = at(T0, 10 * HOUR)
    expect_ok(sync(k, synced, MB))
    expect_eq(app_entry(status(k, synced), MB)["high_risk_from"], at(synced, 6 * HOUR), "a new 6-hour wait")
    expect_error(verify(k, at(synced, 5 * HOUR + 59 * 60), PIN, MB, high_risk=True), 77, "high-risk-not-yet")
    expect_ok(verify(k, at(synced, 6 * HOUR), PIN, MB, high_risk=True))


# --- disable ---

def test_disable_from_mobile_banking(k):
    setup(k)
    enable(k, T0, MB)
    expect_ok(sync(k, at(T0, 60), INVEST))
    expect_ok(biometric_on(k, at(T0, 120), INVEST))
    expect_eq(app_entry(status(k, at(T0, 120)), INVEST)["biometric"], True, "biometric on in invest")
    expect_error(verify(k, at(T0, 130), WRONG, MB), 77, "wrong-password")
    r = token(k, "disable", "--app", MB, now=at(T0, 180))
    expect_ok(r)
    expect_eq(r.json["relogin_requires_otp"], False, "mobile-banking does not end sessions", r)
    expect_eq(set(r.json["effects"]), {"counter-cleared", "biometrics-off"}, "effects", r)
    st = status(k, at(T0, 180))
    expect_eq(st["state"], "not-enabled", "state")
    expect_eq(st["wrong_pins"], 0, "counter cleared")
    for a in st["apps"]:
        expect_eq((a["linked"], a["biometric"], a["high_risk_from"]), (False, False, None), f"{a['app']} cleared")
    expect_eq(st["relogin_requires_otp"], False, "no SMS code needed at the next login")
    expect_eq(customer_login(k)["otp_required"], False, "customer show agrees")
    expect_error(verify(k, at(T0, 240), PIN, INVEST), 77, "token-not-enabled")
    expect_error(token(k, "disable", "--app", MB, now=at(T0, 240)), 77, "token-not-enabled")
    # The old PIN is gone: a new enable sets a new one.
    enable(k, at(T0, 300), MB, pin="730518")
    expect_error(verify(k, at(T0, 301), PIN, MB), 77, "wrong-password")
    expect_ok(verify(k, at(T0, 302), "730518", MB))


def test_disable_from_invest_ends_the_sessions(k):
    setup(k)
    enable(k, T0, INVEST)
    expect_ok(sync(k, at(T0, 60), MB))
    expect_eq(customer_login(k)["otp_required"], False, "no SMS code needed yet")
    r = token(k, "disable", "--app", INVEST, now=at(T0, 120))
    expect_ok(r)
    expect_eq(r.json["relogin_requires_otp"], True, "invest ends the sessions", r)
    expect_in("sessions-ended", r.json["effects"], "effects", r)
    st = status(k, at(T0, 120))
    expect_eq((st["state"], st["relogin_requires_otp"]), ("not-enabled", True), "status")
    expect(all(not a["linked"] and not a["biometric"] for a in st["apps"]), "every app unlinked")
    expect_eq(customer_login(k)["otp_required"], True, "customer show says the next login needs an SMS code")
    # The next login: the password alone is not enough, password + SMS code is.
    r = k.run("login", "verify", "--customer", "C000001", "--password-stdin", op="alice", now=at(T0, 180),
              stdin="Kunlun2026!\n", json=True)
    expect_error(r, 77, "otp-required")
    code = k.send_otp(at(T0, 180), "login")
    r = k.run("login", "verify", "--customer", "C000001", "--password-stdin", "--otp", code, op="alice",
              now=at(T0, 180), stdin="Kunlun2026!\n", json=True)
    expect_ok(r)
    expect_eq(customer_login(k)["otp_required"], False, "cleared by that login")
    expect_eq(status(k, at(T0, 180))["relogin_requires_otp"], False, "token status agrees")


def test_disable_needs_a_linked_app(k):
    setup(k)
    expect_error(token(k, "disable", "--app", MB), 77, "token-not-enabled")
    enable(k, T0, MB)
    expect_error(token(k, "disable", "--app", INVEST), 77, "app-not-linked")
    expect_error(token(k, "disable", "--app", "wealth"), 77, "app-not-installed")
    expect_eq(status(k)["state"], "active", "still active")


# --- biometric ---

def biometric_on(k, now, app, pin=PIN, code=None):
    code = code if code is not None else k.send_otp(now, "token")
    return token(k, "biometric", "--app", app, "on", "--otp", code, "--pin-stdin", now=now, stdin=pin + "\n")


def test_biometric_on_and_off(k):
    setup(k)
    expect_error(token(k, "biometric", "--app", MB, "off"), 77, "token-not-enabled")
    enable(k, T0, MB)
    now = at(T0, 60)
    code = k.send_otp(now, "token")
    expect_error(biometric_on(k, now, INVEST, code=code), 77, "app-not-linked")
    expect_error(biometric_on(k, now, MB, pin=WRONG, code=code), 77, "wrong-password")
    expect_eq(status(k, now)["wrong_pins"], 1, "the wrong PIN counts")
    expect_error(biometric_on(k, now, MB, code="000000" if code != "000000" else "111111"), 77, "otp-invalid")
    expect_eq(app_entry(status(k, now), MB)["biometric"], False, "still off")
    r = biometric_on(k, now, MB, code=code)
    expect_ok(r)
    st = status(k, now)
    expect_eq((app_entry(st, MB)["biometric"], app_entry(st, INVEST)["biometric"]), (True, False), "on in MB only")
    expect_eq(st["wrong_pins"], 0, "the right PIN cleared the counter")
    r = token(k, "biometric", "--app", MB, "on", "--pin-stdin", now=now, stdin=PIN + "\n")
    expect_error(r, 64, "usage")  # on needs the SMS code
    expect_ok(token(k, "biometric", "--app", MB, "off", now=at(now, 1)))
    expect_eq(app_entry(status(k, now), MB)["biometric"], False, "off again")
    expect_error(token(k, "biometric", "--app", INVEST, "off", now=at(now, 2)), 77, "app-not-linked")


# --- freezes ---

def test_six_wrong_pins_freeze_for_24_hours(k):
    setup(k)
    enable(k, T0, INVEST)
    # Consecutive: a right PIN in between starts the count again.
    for i in range(5):
        verify(k, at(T0, 10 + i), WRONG, INVEST)
    expect_eq(status(k, at(T0, 20))["wrong_pins"], 5, "5 wrong")
    expect_eq(status(k, at(T0, 20))["wrong_pins_left"], 1, "1 left")
    expect_ok(verify(k, at(T0, 21), PIN, INVEST))
    expect_eq(status(k, at(T0, 21))["wrong_pins"], 0, "cleared by a right PIN")
    when = at(T0, HOUR)
    refused_before = len([e for e in audit(k) if e["outcome"] == "refused"])
    r = freeze(k, when)
    expect_error(r, 77, "token-frozen", at(when, DAY))
    # One audit entry per command: the freezing one names its effect.
    refused = [e for e in audit(k) if e["outcome"] == "refused"][refused_before:]
    expect_eq([e["details"]["error"] for e in refused], ["wrong-password"] * 5 + ["token-frozen"], "6 refusals")
    expect_eq((refused[-1]["command"], refused[-1]["details"].get("effects"), refused[-1]["details"].get("state")),
              ("token verify", ["frozen"], "frozen"), "the freeze is in the refusal's details")
    st = status(k, when)
    expect_eq((st["state"], st["frozen_until"], st["wrong_pins"]), ("frozen", at(when, DAY), 6), "frozen 24 h")
    expect_eq([m["to"] for m in token_sms(k, when)], ["+8613800001152"], "one SMS to the reserved phone")
    # While frozen the right PIN is refused too, and no PIN is counted.
    expect_error(verify(k, at(when, 60), PIN, INVEST), 77, "token-frozen")
    expect_error(verify(k, at(when, DAY - 1), PIN, INVEST), 77, "token-frozen")
    expect_eq(status(k, at(when, DAY - 1))["wrong_pins"], 6, "the counter stays at 6 while frozen")
    expect_eq(expired_entries(k), [], "not yet ended")
    # At frozen_until the freeze has ended by itself; the first command after records it once.
    st = status(k, at(when, DAY))
    expect_eq((st["state"], st["frozen_until"], st["wrong_pins"]), ("active", None, 0), "ended at frozen_until")
    expect_eq(app_entry(st, INVEST)["linked"], True, "links kept")
    expect_eq(len(expired_entries(k)), 1, "one audit entry 'unfrozen: expired'")
    expect_ok(verify(k, at(when, DAY + 1), PIN, INVEST))
    expect_eq(len(expired_entries(k)), 1, "written once")
    expect_eq(len(token_sms(k, at(when, DAY + 1))), 1, "no further SMS")


def test_expiry_is_recorded_even_when_the_command_is_refused(k):
    setup(k)
    enable(k, T0, INVEST)
    freeze(k, at(T0, HOUR))
    # The first command after the freeze ends is a refused one (mobile-banking is not linked):
    # the end of the freeze is still recorded.
    expect_error(verify(k, at(T0, HOUR + DAY + 5), PIN, MB), 77, "app-not-linked")
    expect_eq(len(expired_entries(k)), 1, "audited")
    st = status(k, at(T0, HOUR + DAY + 6))
    expect_eq((st["state"], st["wrong_pins"]), ("active", 0), "kept")


def test_frozen_token_refuses_every_command_first(k):
    setup(k)
    enable(k, T0, MB)
    when = at(T0, HOUR)
    expect_error(freeze(k, when, MB), 77, "token-frozen")
    now = at(when, 60)
    code = k.send_otp(now, "token")
    before = snapshot(k)
    checks = [
        ("challenge", []),
        ("enable", ["--app", INVEST, "--id-digits", "999", "--otp", "000000", "--pin-stdin"]),
        ("enable", ["--app", "wealth", "--id-digits", "1", "--otp", code, "--pin-stdin"]),
        ("sync", ["--app", INVEST, "--pin-stdin"]),
        ("sync", ["--app", MB, "--pin-stdin"]),
        ("disable", ["--app", MB]),
        ("disable", ["--app", INVEST]),
        ("verify", ["--app", MB, "--pin-stdin"]),
        ("verify", ["--app", INVEST, "--high-risk", "--pin-stdin"]),
        ("biometric", ["--app", MB, "on", "--otp", "000000", "--pin-stdin"]),
        ("biometric", ["--app", MB, "off"]),
    ]
    for sub, args in checks:
        r = token(k, sub, *args, now=now, stdin=f"{PIN}\n{PIN}\n")
        expect_error(r, 77, "token-frozen", at(when, DAY))
    expect_eq(snapshot(k), before, "the refusals changed nothing (the SMS code is not spent either)")
    st = status(k, now)
    expect_eq((st["state"], st["wrong_pins"]), ("frozen", 6), "unchanged")
    expect_eq(app_entry(st, MB)["linked"], True, "still linked")
    expect_ok(token(k, "report", now=now))
    expect_error(token(k, "unfreeze", "--otp-device-code", totp(now), now=now), 77, "unfreeze-not-allowed",
                 at(when, DAY))


def test_third_freeze_within_90_days_is_permanent(k):
    setup(k)
    enable(k, T0, INVEST)
    first, second, third = at(T0, HOUR), at(T0, HOUR, days=45), at(T0, HOUR, days=90)
    expect_error(freeze(k, first), 77, "token-frozen")
    expect_eq(status(k, first)["state"], "frozen", "1st: 24 h")
    expect_error(freeze(k, second), 77, "token-frozen")  # the 1st ended by itself long ago
    expect_eq(status(k, second)["state"], "frozen", "2nd: 24 h")
    # The 1st freeze is exactly 90 days before the 3rd: both ends of the window count.
    r = freeze(k, third)
    expect_error(r, 77, "token-frozen", "permanent")
    st = status(k, third)
    expect_eq((st["state"], st["frozen_until"]), ("frozen-permanent", None), "3rd within 90 days: permanent")
    sms = token_sms(k, third)
    expect_eq(len(sms), 3, "an SMS per freeze")
    expect_eq(sms[-1]["to"], "+8613800001152", "to the reserved phone")
    expect_in("永久", sms[-1]["text"], "the SMS says permanent")
    # A permanent freeze never ends by itself.
    later = at(third, days=30)
    expect_eq(status(k, later)["state"], "frozen-permanent", "still frozen 30 days later")
    expect_error(verify(k, later, PIN, INVEST), 77, "token-frozen", "permanent")
    report = token(k, "report", now=third)
    expect_eq(len(report.json["freezes_within_window"]), 3, "three freezes in the window")


def test_three_freezes_over_91_days_stay_temporary(k):
    setup(k)
    enable(k, T0, INVEST)
    for when in (at(T0, HOUR), at(T0, HOUR, days=45), at(T0, HOUR, days=91)):
        expect_error(freeze(k, when), 77, "token-frozen", at(when, DAY))
        st = status(k, when)
        expect_eq((st["state"], st["frozen_until"]), ("frozen", at(when, DAY)), f"freeze at {when}: 24 h")
    expect_eq(len(token(k, "report", now=at(T0, HOUR, days=91)).json["freezes_within_window"]), 2,
              "the first is out of the window")


def test_a_frozen_record_without_an_end_fails_closed(k):
    setup(k)
    enable(k, T0, INVEST)
    with k.db() as db:  # a damaged record: frozen, no frozen_until
        db.execute("UPDATE tokens SET status = 'frozen', frozen_until = NULL, wrong_pins = 6")
    later = at(T0, 400 * DAY)
    st = status(k, later)
    expect_eq((st["state"], st["frozen_until"]), ("frozen", None), "never ends by itself")
    line = expect_error(verify(k, later, PIN, INVEST), 77, "token-frozen", "branch")
    expect(not re.search(r"\d{4}-\d{2}-\d{2}T", line), f"no made-up end time: {line}")
    expect_error(token(k, "challenge", now=later), 77, "token-frozen", "branch")
    expect_error(token(k, "unfreeze", "--otp-device-code", totp(later), now=later), 77, "unfreeze-not-allowed")
    expect_ok(token(k, "unfreeze", "--at-branch", *ZHANG_IDENTITY, now=later))
    expect_eq(status(k, later)["state"], "active", "the branch ends it")


def test_a_clock_set_back_keeps_the_freeze_history(k):
    setup(k)
    enable(k, T0, INVEST)
    when = at(T0, DAY)
    freeze(k, when)
    # The clock steps back an hour and the token is unfrozen and used at that time: the
    # freeze recorded "in the future" does not count then, but it is not forgotten.
    earlier = at(when, -HOUR)
    expect_ok(token(k, "unfreeze", "--at-branch", *ZHANG_IDENTITY, now=earlier))
    expect_eq(token(k, "report", now=earlier).json["freezes_within_window"], [], "not counted before it happened")
    expect_eq(token(k, "report", now=at(when, 1)).json["freezes_within_window"], [when], "kept in the history")


def test_token_numbers_come_from_the_config(k):
    setup(k, "[policy.token]\nhigh_risk_delay_hours = 2\nmax_pin_failures = 3\nfreeze_hours = 1\n"
             "permanent_after = 2\nfreeze_window_days = 10\nwaiting_apps = \"invest\"\n"
             "session_ending_apps = \"mobile-banking\"\n")
    enable(k, T0, INVEST)
    expect_eq(app_entry(status(k), INVEST)["high_risk_from"], at(T0, 2 * HOUR), "invest waits 2 h")
    expect_ok(sync(k, at(T0, 60), MB))
    expect_eq(app_entry(status(k, at(T0, 60)), MB)["high_risk_from"], at(T0, 60), "mobile-banking at once")
    for i in range(2):
        expect_error(verify(k, at(T0, 100 + i), WRONG, MB), 77, "wrong-password", f"{2 - i} more")
    expect_error(verify(k, at(T0, 102), WRONG, MB), 77, "token-frozen", at(T0, 102 + HOUR))
    expect_eq(status(k, at(T0, 101 + HOUR))["state"], "frozen", "frozen for 1 h")
    expect_eq(status(k, at(T0, 102 + HOUR))["state"], "active", "ended after 1 h")
    later = at(T0, 102, days=9)
    for i in range(3):
        verify(k, at(later, i), WRONG, MB)
    expect_eq(status(k, at(later, 3))["state"], "frozen-permanent", "the 2nd freeze within 10 days")
    expect_ok(token(k, "unfreeze", "--at-branch", *ZHANG_IDENTITY, now=at(later, 4)))
    r = token(k, "disable", "--app", MB, now=at(later, 5))
    expect_ok(r)
    expect_eq(r.json["relogin_requires_otp"], True, "mobile-banking ends the sessions here", r)


# --- unfreeze ---

def unfreeze_branch(k, now, id_number=ZHANG_ID, name="张伟"):
    return token(k, "unfreeze", "--at-branch", "--id-number", id_number, "--name", name, now=now)


def test_unfreeze_at_branch_ends_a_24_hour_freeze(k):
    setup(k)
    enable(k, T0, MB)
    expect_ok(sync(k, at(T0, 60), INVEST))
    when = at(T0, HOUR)
    freeze(k, when, INVEST)
    now = at(when, 60)
    expect_error(unfreeze_branch(k, now, name="李雷"), 77, "identity-mismatch")
    expect_error(unfreeze_branch(k, now, id_number=kltest.resident_id("11010519800101001")), 77, "identity-mismatch")
    expect_error(token(k, "unfreeze", "--otp-device-code", totp(now), now=now), 77, "unfreeze-not-allowed")
    expect_error(token(k, "unfreeze", now=now), 64, "usage")
    expect_eq(status(k, now)["state"], "frozen", "still frozen")
    r = unfreeze_branch(k, now)
    expect_ok(r)
    st = status(k, now)
    expect_eq((st["state"], st["frozen_until"], st["wrong_pins"]), ("active", None, 0), "unfrozen, counter cleared")
    expect_eq(app_entry(st, MB)["high_risk_from"], at(T0, 6 * HOUR), "mobile-banking's wait is not restarted")
    expect_eq(app_entry(st, INVEST)["linked"], True, "links kept")
    expect_ok(verify(k, now, PIN, INVEST))
    expect_error(unfreeze_branch(k, now), 77, "token-not-frozen")
    # The customer gets 6 more tries, not 1.
    expect_error(verify(k, at(now, 1), WRONG, INVEST), 77, "wrong-password", "5 more")
    expect_eq(len(expired_entries(k)), 0, "ended by the branch, not by time")


def test_unfreeze_permanent_freeze_with_the_e_password_device_and_at_branch(k):
    setup(k)
    enable(k, T0, INVEST)
    for days in (0, 2, 4):
        freeze(k, at(T0, HOUR, days=days))
    now = at(T0, HOUR + 60, days=4)
    expect_eq(status(k, now)["state"], "frozen-permanent", "permanent")
    code = totp(now)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    expect_error(token(k, "unfreeze", "--otp-device-code", wrong, now=now), 77, "otp-device-invalid")
    expect_eq(status(k, now)["state"], "frozen-permanent", "a wrong code changes nothing")
    r = token(k, "unfreeze", "--otp-device-code", code, now=now)
    expect_ok(r)
    st = status(k, now)
    expect_eq((st["state"], st["frozen_until"], st["wrong_pins"]), ("active", None, 0), "unfrozen")
    expect_eq(app_entry(st, INVEST)["linked"], True, "links kept")
    expect_ok(verify(k, at(now, 1), PIN, INVEST))
    # Unfreezing clears the counter, not the history: the next freeze within 90 days of two
    # earlier ones is permanent again; this time the branch ends it.
    again = at(now, days=1)
    expect_error(freeze(k, again), 77, "token-frozen", "permanent")
    expect_eq(status(k, again)["state"], "frozen-permanent", "permanent again")
    expect_error(unfreeze_branch(k, at(again, 1), name="王芳"), 77, "identity-mismatch")
    expect_ok(unfreeze_branch(k, at(again, 2)))
    st = status(k, at(again, 2))
    expect_eq((st["state"], st["wrong_pins"]), ("active", 0), "unfrozen at the branch")
    # The device code cannot be replayed, and it needs a freeze to end.
    expect_error(token(k, "unfreeze", "--otp-device-code", totp(at(again, 3)), now=at(again, 3)), 77,
                 "token-not-frozen")


# --- report ---

def test_report_is_masked_and_holds_no_secret(k):
    setup(k)
    enable(k, T0, MB)
    expect_ok(sync(k, at(T0, 60), INVEST))
    freeze(k, at(T0, HOUR))
    for i in range(2):
        verify(k, at(T0, HOUR + DAY + i), WRONG, INVEST)
    now = at(T0, 2 * HOUR + DAY)
    r = token(k, "report", now=now)
    expect_ok(r)
    j = r.json
    expect_eq((j["state"], j["wrong_pins"], j["frozen_until"]), ("active", 2, None), "state and counter", r)
    expect_eq(sorted(a["app"] for a in j["apps"] if a["linked"]), [INVEST, MB], "apps", r)
    expect_eq(j["freezes_within_window"], [at(T0, HOUR)], "the freeze within 90 days", r)
    expect_eq(j["phone"], "*******1152", "masked phone", r)
    history = j["history"]
    expect(all(h["command"].startswith("token") for h in history), "token entries only", r)
    expect(any("unfrozen: expired" in json.dumps(h["details"], ensure_ascii=False) for h in history),
           "the expiry is in the history", r)
    expect_eq([h["seq"] for h in history], sorted(h["seq"] for h in history), "oldest first", r)
    text = token(k, "report", now=now, json_out=False)
    expect_ok(text)
    expect_in("*******1152", text.out, "text report")
    expect_in("frozen", text.out, "text report shows the freeze history")
    out_file = k.path("report.txt")
    expect_ok(token(k, "report", "--out", out_file, now=now, json_out=False))
    with open(out_file, encoding="utf-8") as f:
        written = f.read()
    expect_in("*******1152", written, "report file")
    json_file = k.path("report.json")
    expect_ok(token(k, "report", "--out", json_file, now=now))
    with open(json_file, encoding="utf-8") as f:
        expect_eq(json.load(f)["state"], "active", "JSON report file")
    codes = [m["params"]["code"] for m in k.sms() if "code" in m.get("params", {})]
    expect(len(codes) >= 1, "codes were sent")
    for where in (r.out, text.out, written):
        for secret in [PIN, WRONG, *codes, "13800001152", ZHANG_ID, "$argon2"]:
            expect_not_in(secret, where, "the report")


def test_report_keeps_the_last_50_entries_of_that_token(k):
    setup(k)
    enable(k, T0, MB)
    enable(k, at(T0, 60), MB, device="D2")  # another token of the same customer
    for i in range(55):
        challenge(k, at(T0, 120 + i))
    expect_ok(verify(k, at(T0, 300), PIN, MB))
    j = token(k, "report", now=at(T0, 301)).json
    expect_eq(len(j["history"]), 50, "50 entries")
    expect(all(h["details"]["device"] == "D1" for h in j["history"]), "D1's entries only")
    expect_eq(j["history"][-1]["command"], "token verify", "the latest last")
    expect_eq([h["command"] for h in j["history"]].count("token enable"), 0, "the oldest dropped")


# --- cooling-off, roles ---

def test_cooling_off_after_a_phone_change_blocks_enable(k):
    setup(k)
    old_code = k.send_otp(T0, "change-phone")
    new_code = k.send_otp(T0, "change-phone", to="13900001234")
    expect_ok(k.run("change-phone", "--customer", "C000001", *ZHANG_IDENTITY, "--new-phone", "13900001234",
                    "--device", "D1", "--face", "pass", "--face-ref", "F1", "--carrier-verified",
                    "--old-phone-otp", old_code, "--new-phone-otp", new_code, op="alice", now=T0))
    # Refused before the digits and the code are looked at.
    early = at(T0, DAY - 1)
    expect_error(enable_run(k, early, MB, "000", "000000"), 77, "cooling-off")
    digits = digits_at(challenge(k, early))
    code = k.send_otp(early, "token")
    expect_eq(k.sms()[-1]["to"], "+8613900001234", "the code goes to the new phone")
    expect_error(enable_run(k, early, MB, digits, code), 77, "cooling-off")
    expect_eq(status(k, early)["state"], "not-enabled", "not enabled")
    # 24 hours after the change it is allowed (challenge and code still unspent, both still
    # valid one second later).
    expect_ok(enable_run(k, at(T0, DAY), MB, digits, code))
    expect_eq(status(k, at(T0, DAY))["state"], "active", "enabled after the cooling-off")


def test_frozen_answers_before_the_cooling_off(k):
    setup(k)
    enable(k, T0, INVEST)
    when = at(T0, HOUR)
    freeze(k, when)
    old_code = k.send_otp(when, "change-phone")
    new_code = k.send_otp(when, "change-phone", to="13900001234")
    expect_ok(k.run("change-phone", "--customer", "C000001", *ZHANG_IDENTITY, "--new-phone", "13900001234",
                    "--device", "D1", "--face", "pass", "--face-ref", "F1", "--carrier-verified",
                    "--old-phone-otp", old_code, "--new-phone-otp", new_code, op="alice", now=when))
    expect_error(enable_run(k, at(when, 60), MB, "000", "000000"), 77, "token-frozen")


def test_only_operators_run_token_commands(k):
    setup(k)
    enable(k, T0, MB)
    before = snapshot(k)
    commands = [
        ("challenge", []), ("status", []), ("report", []),
        ("enable", ["--app", INVEST, "--id-digits", "000", "--otp", "000000", "--pin-stdin"]),
        ("sync", ["--app", INVEST, "--pin-stdin"]), ("disable", ["--app", MB]),
        ("verify", ["--app", MB, "--pin-stdin"]), ("biometric", ["--app", MB, "off"]),
        ("unfreeze", ["--at-branch", *ZHANG_IDENTITY]),
    ]
    for who in ("bob", "carol"):
        for sub, args in commands:
            r = token(k, sub, *args, op=who, now=at(T0, 60), stdin=f"{PIN}\n{PIN}\n")
            expect_error(r, 77, "permission", "operator")
    expect_eq(snapshot(k), before, "nothing changed")


if __name__ == "__main__":
    kltest.main(globals())
