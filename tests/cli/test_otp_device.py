"""The e-password device (domain.md §1): HOTP (RFC 4226) with a look-ahead window and resync,
TOTP (RFC 6238; SHA-1/256/512, 6-8 digits) within ±N time steps, every code accepted once.
The expected codes come from `oathtool`, an independent implementation, at the effective now."""
import base64
import subprocess
from datetime import datetime, timezone

import kltest
from kltest import at, expect, expect_eq, expect_error, expect_in, expect_not_in

T0 = "2026-03-06T10:00:15+08:00"  # 15 s into a 30 s time step (02:00:15 UTC)
FAST = "[crypto.argon2]\nmemory_kib = 64\ntime_cost = 1\n"


def b32(secret):
    return base64.b32encode(secret).decode().rstrip("=")


# The RFC 4226 / RFC 6238 test seeds (20, 32 and 64 bytes).
SEED_SHA1 = b32(b"12345678901234567890")
SEED_SHA256 = b32(b"12345678901234567890123456789012")
SEED_SHA512 = b32(b"1234567890123456789012345678901234567890123456789012345678901234")
SEED_OTHER = b32(bytes(range(100, 120)))

# customer id -> the [customer.otp_device] table (None: no device).
DEVICES = {
    "C000001": {"type": "hotp", "secret_base32": SEED_SHA1},
    "C000002": {"type": "totp", "secret_base32": SEED_OTHER},
    "C000003": {"type": "totp", "secret_base32": SEED_SHA256, "algorithm": "SHA256", "digits": 8},
    "C000004": {"type": "totp", "secret_base32": SEED_SHA512, "algorithm": "SHA512", "digits": 7},
    "C000005": {"type": "hotp", "secret_base32": SEED_OTHER, "digits": 8, "counter": 1000},
    "C000006": {"type": "totp", "secret_base32": SEED_SHA1, "digits": 6, "period": 60},
    "C000007": None,
}


def toml_value(v):
    return f'"{v}"' if isinstance(v, str) else str(v)


def fixture():
    out = ['[[operator]]\nname = "alice"\nroles = ["operator"]\n',
           '[[operator]]\nname = "bob"\nroles = ["reviewer"]\n',
           '[[operator]]\nname = "carol"\nroles = ["auditor"]\n']
    for i, (cid, device) in enumerate(DEVICES.items(), start=1):
        out.append(f'''
[[customer]]
id = "{cid}"
name = "测试{i}"
id_type = "resident-id"
id_number = "{kltest.resident_id(f"11010519800101{i:03d}")}"
phone = "+86139{i:08d}"
login_password = "Kunlun2026!"

  [[customer.account]]
  number = "{kltest.luhn(f"622202030{i:09d}")}"
  class = "I"
  txn_password = "739182"
''')
        if device:
            out.append("\n  [customer.otp_device]\n" + "".join(f"  {key} = {toml_value(v)}\n" for key, v in device.items()))
    return "\n".join(out)


def setup(k, config=""):
    k.write_config(FAST + config)
    k.init()
    k.ok("fixtures", "load", k.write("bank.toml", fixture()))


def oath_time(now):
    return datetime.fromisoformat(now).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def oathtool(*args):
    p = subprocess.run(["oathtool", *args], capture_output=True, text=True)
    expect(p.returncode == 0, f"oathtool {' '.join(args)} failed: {p.stderr}")
    return p.stdout.strip()


def hotp(customer, counter):
    d = DEVICES[customer]
    return oathtool("--hotp", "-b", d["secret_base32"], "-c", str(counter), "-d", str(d.get("digits", 6)))


def totp(customer, now):
    d = DEVICES[customer]
    alg = d.get("algorithm", "SHA1")
    mode = "--totp" if alg == "SHA1" else f"--totp={alg.lower()}"
    return oathtool(mode, "-b", d["secret_base32"], "-d", str(d.get("digits", 6)), "-s", f"{d.get('period', 30)}s",
                    "--now", oath_time(now))


def verify(k, customer, code, now=T0, op="alice"):
    return k.run("otp-device", "verify", "--customer", customer, "--code", code, op=op, now=now, json=True)


def resync(k, customer, code1, code2, now=T0, op="alice"):
    return k.run("otp-device", "resync", "--customer", customer, "--code1", code1, "--code2", code2, op=op, now=now,
                 json=True)


def accepted(r, customer, kind):
    kltest.expect_ok(r)
    expect_eq(r.json, {"customer": customer, "type": kind, "ok": True}, "verify result", r)


def audit(k):
    return k.ok("audit", "list", json=True).json


def refusal_slugs(k, command):
    return [e["details"]["error"] for e in audit(k) if e["command"] == command and e["outcome"] == "refused"]


def dumped_counter(k, customer):
    """The HOTP counter of `customer` as `fixtures dump` writes it."""
    dump = k.dump()
    part = dump[dump.index(f'id = "{customer}"'):]
    part = part[part.index("[customer.otp_device]"):]
    line = next(line for line in part.splitlines() if line.strip().startswith("counter"))
    return int(line.split("=")[1])


def test_oathtool_agrees_with_the_rfc_vectors(k):
    """The generator the other tests trust: RFC 4226 appendix D and RFC 6238 appendix B."""
    expect_eq([hotp("C000001", c) for c in (0, 1, 9)], ["755224", "287082", "520489"], "RFC 4226 HOTP")
    expect_eq(oathtool("--totp", "-b", SEED_SHA1, "-d", "8", "--now", "2009-02-13 23:31:30 UTC"), "89005924", "SHA-1")
    expect_eq(oathtool("--totp=sha256", "-b", SEED_SHA256, "-d", "8", "--now", "2009-02-13 23:31:30 UTC"),
              "91819424", "SHA-256")
    expect_eq(oathtool("--totp=sha512", "-b", SEED_SHA512, "-d", "8", "--now", "2009-02-13 23:31:30 UTC"),
              "93441116", "SHA-512")


# --- HOTP ---

def test_hotp_look_ahead_window_and_replay(k):
    setup(k)
    accepted(verify(k, "C000001", hotp("C000001", 0)), "C000001", "hotp")
    expect_eq(dumped_counter(k, "C000001"), 1, "the counter moves past the code")
    before = k.dump()
    expect_error(verify(k, "C000001", hotp("C000001", 0)), 77, "otp-replayed")
    # counter 1 is next: 1 + 10 is the end of the window, 1 + 11 beyond it.
    expect_error(verify(k, "C000001", hotp("C000001", 12)), 77, "otp-device-invalid")
    expect_error(verify(k, "C000001", "12345"), 77, "otp-device-invalid")      # too short
    expect_error(verify(k, "C000001", "12345a"), 77, "otp-device-invalid")     # not digits
    expect_eq(k.dump(), before, "refused codes do not move the counter")
    accepted(verify(k, "C000001", hotp("C000001", 11)), "C000001", "hotp")
    expect_eq(dumped_counter(k, "C000001"), 12, "the counter follows the device")
    expect_error(verify(k, "C000001", hotp("C000001", 11)), 77, "otp-replayed")  # the code just used
    # The codes skipped over are behind the counter now: each is refused.
    for c in (1, 5, 10):
        r = verify(k, "C000001", hotp("C000001", c))
        expect(r.code == 77, f"code of counter {c}, behind the counter, is refused", r)
    accepted(verify(k, "C000001", hotp("C000001", 12)), "C000001", "hotp")
    slugs = refusal_slugs(k, "otp-device verify")
    expect_eq(len(slugs), 8, "every refusal is audited")
    expect_eq(slugs[:5], ["otp-replayed", "otp-device-invalid", "otp-device-invalid", "otp-device-invalid",
                          "otp-replayed"], "with its slug")
    codes = {hotp("C000001", c) for c in range(0, 13)}
    text = str(audit(k))
    expect(not any(code in text for code in codes), "no code in the audit log")


def test_hotp_window_is_configured(k):
    setup(k, "[policy.otp_device]\nhotp_window = 3\n")
    expect_error(verify(k, "C000001", hotp("C000001", 4)), 77, "otp-device-invalid")
    accepted(verify(k, "C000001", hotp("C000001", 3)), "C000001", "hotp")
    k.write_config(FAST + "[policy.otp_device]\nhotp_window = 0\n")
    expect_error(verify(k, "C000001", hotp("C000001", 5)), 77, "otp-device-invalid")
    accepted(verify(k, "C000001", hotp("C000001", 4)), "C000001", "hotp")


def test_hotp_fixture_counter_and_eight_digits(k):
    setup(k)
    expect_eq(dumped_counter(k, "C000005"), 1000, "the fixture's counter")
    r = verify(k, "C000005", hotp("C000005", 999))
    expect(r.code == 77, "a code before the fixture's counter is refused", r)
    expect_error(verify(k, "C000005", hotp("C000005", 1000)[2:]), 77, "otp-device-invalid")  # 6 of the 8 digits
    accepted(verify(k, "C000005", hotp("C000005", 1000)), "C000005", "hotp")
    accepted(verify(k, "C000005", hotp("C000005", 1010)), "C000005", "hotp")
    expect_eq(dumped_counter(k, "C000005"), 1011, "counter")


def test_hotp_resync(k):
    setup(k)
    before = k.dump()
    # Not consecutive, reversed, or one code only repeated: refused, counter unchanged.
    expect_error(resync(k, "C000001", hotp("C000001", 50), hotp("C000001", 52)), 77, "otp-device-invalid")
    expect_error(resync(k, "C000001", hotp("C000001", 51), hotp("C000001", 50)), 77, "otp-device-invalid")
    expect_error(resync(k, "C000001", hotp("C000001", 50), hotp("C000001", 50)), 77, "otp-device-invalid")
    # Beyond the resync window (100 from counter 0: the first code at counter 101).
    expect_error(resync(k, "C000001", hotp("C000001", 101), hotp("C000001", 102)), 77, "otp-device-invalid")
    expect_eq(k.dump(), before, "refused resyncs change nothing")
    expect_eq(refusal_slugs(k, "otp-device resync"), ["otp-device-invalid"] * 4, "audited")
    # 50 is far beyond the verify window of 10, but within the resync window.
    expect_error(verify(k, "C000001", hotp("C000001", 50)), 77, "otp-device-invalid")
    r = resync(k, "C000001", hotp("C000001", 50), hotp("C000001", 51))
    kltest.expect_ok(r)
    expect_eq(r.json["resynced"], True, "resynced", r)
    expect_eq(dumped_counter(k, "C000001"), 52, "the counter moves past both codes")
    expect_error(verify(k, "C000001", hotp("C000001", 51)), 77, "otp-replayed")
    expect_error(resync(k, "C000001", hotp("C000001", 50), hotp("C000001", 51)), 77, "otp-device-invalid")
    accepted(verify(k, "C000001", hotp("C000001", 52)), "C000001", "hotp")
    # The window's far end: from counter 53, a pair starting at 153 is accepted.
    kltest.expect_ok(resync(k, "C000001", hotp("C000001", 153), hotp("C000001", 154)))
    accepted(verify(k, "C000001", hotp("C000001", 155)), "C000001", "hotp")


def test_resync_window_is_configured(k):
    setup(k, "[policy.otp_device]\nresync_window = 20\n")
    expect_error(resync(k, "C000001", hotp("C000001", 21), hotp("C000001", 22)), 77, "otp-device-invalid")
    kltest.expect_ok(resync(k, "C000001", hotp("C000001", 20), hotp("C000001", 21)))
    expect_eq(dumped_counter(k, "C000001"), 22, "counter")


def test_resync_needs_a_counter_based_device(k):
    setup(k)
    now = T0
    before = k.dump()
    expect_error(resync(k, "C000002", totp("C000002", now), totp("C000002", at(now, 30))), 65, "invalid-otp-device",
                 "TOTP")
    expect_error(resync(k, "C000007", "123456", "234567"), 67, "not-found")
    expect_error(resync(k, "C000001", hotp("C000001", 1), hotp("C000001", 2), op="bob"), 77, "permission")
    expect_eq(k.dump(), before, "nothing changed")


# --- TOTP ---

def test_totp_one_step_either_side_and_replay(k):
    setup(k)
    before = k.dump()
    expect_error(verify(k, "C000002", totp("C000002", at(T0, -60))), 77, "otp-device-invalid")  # 2 steps early
    expect_error(verify(k, "C000002", totp("C000002", at(T0, 60))), 77, "otp-device-invalid")   # 2 steps late
    expect_error(verify(k, "C000002", hotp("C000001", 0)), 77, "otp-device-invalid")            # not its code
    expect_eq(k.dump(), before, "refusals change nothing")
    previous, current, following = (totp("C000002", at(T0, s)) for s in (-30, 0, 30))
    accepted(verify(k, "C000002", previous), "C000002", "totp")
    expect_error(verify(k, "C000002", previous), 77, "otp-replayed")
    accepted(verify(k, "C000002", current), "C000002", "totp")
    expect_error(verify(k, "C000002", current), 77, "otp-replayed")        # the same step again
    expect_error(verify(k, "C000002", previous, now=at(T0, 5)), 77, "otp-replayed")  # an earlier step
    accepted(verify(k, "C000002", following), "C000002", "totp")
    # A step later the code of the current step is still inside the window, but used.
    expect_error(verify(k, "C000002", following, now=at(T0, 30)), 77, "otp-replayed")
    accepted(verify(k, "C000002", totp("C000002", at(T0, 60)), now=at(T0, 30)), "C000002", "totp")
    slugs = refusal_slugs(k, "otp-device verify")
    expect_eq(slugs, ["otp-device-invalid"] * 3 + ["otp-replayed"] * 4, "audited with their slugs")


def test_totp_step_boundaries(k):
    setup(k)
    # 02:00:29 and 02:00:30 UTC are in adjacent steps; the device's code at 02:01:29 (two
    # steps after 02:00:29's) is refused at 02:00:29 and accepted one second later.
    late = totp("C000002", "2026-03-06T10:01:29+08:00")
    expect_error(verify(k, "C000002", late, now="2026-03-06T10:00:29+08:00"), 77, "otp-device-invalid")
    accepted(verify(k, "C000002", late, now="2026-03-06T10:00:30+08:00"), "C000002", "totp")


def test_totp_steps_are_configured(k):
    setup(k, "[policy.otp_device]\ntotp_steps = 0\n")
    expect_error(verify(k, "C000002", totp("C000002", at(T0, -30))), 77, "otp-device-invalid")
    expect_error(verify(k, "C000002", totp("C000002", at(T0, 30))), 77, "otp-device-invalid")
    accepted(verify(k, "C000002", totp("C000002", T0)), "C000002", "totp")
    k.write_config(FAST + "[policy.otp_device]\ntotp_steps = 2\n")
    accepted(verify(k, "C000002", totp("C000002", at(T0, 60)), now=at(T0, 1)), "C000002", "totp")


def test_totp_sha256_sha512_digits_and_period(k):
    setup(k)
    for i, cid in enumerate(("C000003", "C000004", "C000006")):
        d = DEVICES[cid]
        now = at(T0, 120 * i)
        code = totp(cid, now)
        expect_eq(len(code), d.get("digits", 6), f"{cid}: oathtool's digits")
        # The same seed with SHA-1 (or another digit count) is not the device's code.
        sha1 = oathtool("--totp", "-b", d["secret_base32"], "-d", str(d.get("digits", 6)), "--now", oath_time(now))
        if sha1 != code:
            expect_error(verify(k, cid, sha1, now=now), 77, "otp-device-invalid")
        accepted(verify(k, cid, code, now=now), cid, "totp")
        expect_error(verify(k, cid, code, now=now), 77, "otp-replayed")
    # C000006's period is 60 s: the code of the step after next is 2 steps (120 s) away.
    now = at(T0, 600)
    expect_error(verify(k, "C000006", totp("C000006", at(now, 120)), now=now), 77, "otp-device-invalid")
    accepted(verify(k, "C000006", totp("C000006", at(now, 60)), now=now), "C000006", "totp")


def test_wrong_codes_lock_the_device_until_a_resync(k):
    setup(k)
    for _ in range(4):
        expect_error(verify(k, "C000001", "000000"), 77, "otp-device-invalid")
    accepted(verify(k, "C000001", hotp("C000001", 0)), "C000001", "hotp")  # a right code clears the count
    for _ in range(4):
        expect_error(verify(k, "C000001", "000000"), 77, "otp-device-invalid")
    expect_error(verify(k, "C000001", "000000"), 77, "locked", "5")
    expect_error(verify(k, "C000001", hotp("C000001", 1)), 77, "locked")  # even the right code
    # Two consecutive codes in front of an operator unlock it.
    kltest.expect_ok(resync(k, "C000001", hotp("C000001", 1), hotp("C000001", 2)))
    accepted(verify(k, "C000001", hotp("C000001", 3)), "C000001", "hotp")


def test_a_locked_time_based_device_is_unlocked_by_two_consecutive_codes(k):
    setup(k, "[policy.otp_device]\nmax_failures = 2\n")
    accepted(verify(k, "C000002", totp("C000002", T0)), "C000002", "totp")
    expect_error(verify(k, "C000002", totp("C000002", T0)), 77, "otp-replayed")
    expect_error(verify(k, "C000002", "000000", now=at(T0, 30)), 77, "locked")
    expect_error(verify(k, "C000002", totp("C000002", at(T0, 30)), now=at(T0, 30)), 77, "locked")
    before = k.dump()
    # Not consecutive, the second not current, or replaying the step already accepted: refused.
    now = at(T0, 60)
    expect_error(resync(k, "C000002", totp("C000002", at(now, -60)), totp("C000002", now), now=now), 77,
                 "otp-device-invalid")
    expect_error(resync(k, "C000002", totp("C000002", at(now, 60)), totp("C000002", at(now, 90)), now=now), 77,
                 "otp-device-invalid")
    expect_error(resync(k, "C000002", totp("C000002", T0), totp("C000002", at(T0, 30)), now=at(T0, 30)), 77,
                 "otp-device-invalid")
    expect_error(verify(k, "C000002", totp("C000002", now), now=now), 77, "locked")
    expect_eq(k.dump(), before, "nothing changed")
    kltest.expect_ok(resync(k, "C000002", totp("C000002", at(now, -30)), totp("C000002", now), now=now))
    expect_error(verify(k, "C000002", totp("C000002", now), now=now), 77, "otp-replayed")  # the resync used it
    accepted(verify(k, "C000002", totp("C000002", at(now, 30)), now=at(now, 30)), "C000002", "totp")


def test_the_cli_example_device(k):
    """The contract's fixture example: a TOTP device with the 80-bit seed JBSWY3DPEHPK3PXP."""
    k.write_config(FAST)
    k.init()
    k.load_example()
    code = oathtool("--totp", "-b", "JBSWY3DPEHPK3PXP", "--now", oath_time(T0))
    accepted(verify(k, "C000001", code), "C000001", "totp")
    expect_error(verify(k, "C000001", code), 77, "otp-replayed")


def test_no_device_and_roles(k):
    setup(k)
    before = k.dump()
    expect_error(verify(k, "C000007", "123456"), 67, "not-found", "e-password")
    expect_error(verify(k, "C009999", "123456"), 67, "not-found")
    expect_error(verify(k, "C000001", hotp("C000001", 0), op="bob"), 77, "permission", "operator")
    expect_error(verify(k, "C000001", hotp("C000001", 0), op="carol"), 77, "permission")
    expect_error(k.run("otp-device", "verify", "--customer", "C000001", op="alice", now=T0), 64, "usage")
    expect_eq(k.dump(), before, "nothing changed")
    accepted(verify(k, "C000001", hotp("C000001", 0)), "C000001", "hotp")  # bob's try did not use the code


def test_dump_and_reload_keep_the_devices(k):
    setup(k)
    accepted(verify(k, "C000001", hotp("C000001", 3)), "C000001", "hotp")
    dump = k.dump()
    for cid, d in DEVICES.items():
        if d:
            expect_in(d["secret_base32"], dump, f"{cid}'s seed is in the dump (it is the backup)")
    w = k.child("copy")
    w.write_config(FAST)
    w.init()
    w.ok("fixtures", "load", w.write("dump.toml", dump))
    expect_eq(dumped_counter(w, "C000001"), 4, "the counter survives dump and load")
    expect_error(verify(w, "C000001", hotp("C000001", 3)), 77, "otp-replayed")
    accepted(verify(w, "C000001", hotp("C000001", 4)), "C000001", "hotp")
    show = k.ok("customer", "show", "C000001", json=True)
    expect_not_in(SEED_SHA1, show.out, "customer show does not print the seed", show)


if __name__ == "__main__":
    kltest.main(globals())
