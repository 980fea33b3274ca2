"""fixtures load: the cli.md example, idempotence, conflicts, and every kind of invalid record
refused as a whole (exit 65 naming file, line and field) with the store unchanged."""
import hashlib
import ssl

import kltest
from kltest import CERT_PEM, expect, expect_eq, expect_error, expect_in, expect_ok


# The fixture example of cli.md, verbatim.
CLI_MD_EXAMPLE = '''[[operator]]
name = "alice"
roles = ["operator"]

[[customer]]
id = "C000001"
name = "张伟"
id_type = "resident-id"            # resident-id | hkid | passport
id_number = "11010519491231002X"
phone = "+8613800001152"
login_password = "Kunlun2026!"     # or login_password_hash = "$argon2id$v=19$..."

  [[customer.account]]
  number = "6222020200000000014"   # Luhn-valid
  class = "I"
  txn_password = "739182"          # or txn_password_hash

  [[customer.device]]
  id = "D1"
  apps = ["mobile-banking", "invest"]
  encrypted = true
  app_version = "6.2.5"
  rooted = false

  [customer.eshield]                # optional
  certificate = "certs/c000001.pem" # relative to the fixture file

  [customer.otp_device]             # optional
  type = "totp"                     # totp | hotp
  secret_base32 = "JBSWY3DPEHPK3PXP"
'''


def ident(n):
    """A valid resident ID, mobile phone and Luhn-valid account for test customer number n."""
    return (kltest.resident_id(f"11010519900307{n:03}"), f"+86139123{n:05}", kltest.luhn(f"622202030000{n:06}"))


def customer(n=9, name="王芳", id_number=None, phone=None, account=None, klass="II",
             txn='txn_password = "502847"', apps='["mobile-banking"]', extra="",
             otp_secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"):
    good_id, good_phone, good_account = ident(n)
    return f'''[[customer]]
id = "C{n:06}"
name = "{name}"
id_type = "resident-id"
id_number = "{id_number or good_id}"
phone = "{phone or good_phone}"
login_password = "Spring#Tea88"
{extra}
  [[customer.account]]
  number = "{account or good_account}"
  class = "{klass}"
  {txn}

  [[customer.device]]
  id = "phone-1"
  apps = {apps}
  encrypted = true
  app_version = "6.3.0"
  rooted = false

  [customer.otp_device]
  type = "hotp"
  secret_base32 = "{otp_secret}"
'''


def bad_check_char(valid_id):
    return valid_id[:17] + ("0" if valid_id[17] != "0" else "1")


def bad_luhn(valid):
    return valid[:-1] + str((int(valid[-1]) + 1) % 10)


def line_of(text, needle):
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the fixture")


def loaded(k):
    k.init()
    k.load_example()
    return k.dump(), k.audit_count()


def expect_refused(k, name, text, needle, field, *more, dump=None, audit=None):
    """Loading `text` fails 65 invalid-fixture naming file:line (of `needle`) and `field`."""
    path = k.write(name, text)
    where = f"{path}:{line_of(text, needle)}:"
    expect_error(k.run("fixtures", "load", path), 65, "invalid-fixture", where, field, *more)
    expect_error(k.run("fixtures", "load", path, json=True), 65, "invalid-fixture", where, field)
    if dump is not None:
        expect_eq(k.dump(), dump, f"store contents after refusing {name}")
    if audit is not None:
        expect_eq(k.audit_count(), audit, f"audit entries after refusing {name}")


def test_cli_md_example_loads(k):
    k.init()
    k.write("certs/c000001.pem", CERT_PEM)
    path = k.write("example.toml", CLI_MD_EXAMPLE)
    r = k.ok("fixtures", "load", path, json=True)
    expect_eq(r.json, {"customers_created": 1, "customers_unchanged": 0, "operators_created": 1,
                       "operators_unchanged": 0}, "load summary", r)
    c = k.ok("customer", "show", "C000001", json=True).json
    expect_eq(c["name"], "张伟", "name")
    expect_eq(c["phone"], "*******1152", "masked phone")
    expect_eq([a["class"] for a in c["accounts"]], ["I"], "accounts")
    expect_eq([(d["id"], d["apps"]) for d in c["devices"]], [("D1", ["mobile-banking", "invest"])], "devices")
    der = ssl.PEM_cert_to_DER_cert(CERT_PEM)
    expect_eq(c["eshield"], {"fingerprint": hashlib.sha256(der).hexdigest()}, "e-shield fingerprint")
    expect_eq(c["otp_device"]["type"], "totp", "otp device")
    expect_eq(c["login"]["password_set"], True, "login password set")
    ops = {o["name"]: o["roles"] for o in k.ok("operator", "list", json=True).json}
    expect_eq(ops.get("alice"), ["operator"], "alice loaded")
    last = k.ok("audit", "list", json=True).json[-1]
    expect_eq(last["command"], "fixtures load", "audit entry")
    for secret in ("Kunlun2026!", "739182", "JBSWY3DPEHPK3PXP", "13800001152", "11010519491231002X"):
        kltest.expect_not_in(secret, str(last), "audit entry of the load")


def test_loading_again_is_a_no_op(k):
    dump, audit = loaded(k)
    path = k.path("example.toml")
    r = k.ok("fixtures", "load", path, json=True)
    expect_eq(r.json["customers_created"], 0, "customers created", r)
    expect_eq(r.json["customers_unchanged"], 2, "customers unchanged", r)
    expect_eq(r.json["operators_unchanged"], 3, "operators unchanged", r)
    expect_eq(k.audit_count(), audit, "no audit entry for a no-op load")
    expect_eq(k.dump(), dump, "store contents")


def test_loading_own_dump_is_a_no_op(k):
    dump, audit = loaded(k)
    path = k.write("dump.toml", dump)
    r = k.ok("fixtures", "load", path, json=True)
    expect_eq(r.json["customers_created"] + r.json["operators_created"], 0, "nothing created", r)
    expect_eq(k.audit_count(), audit, "audit entries")


def test_reload_with_devices_not_in_id_order_is_a_no_op(k):
    k.init()
    text = customer().replace('  [customer.otp_device]', '''  [[customer.device]]
  id = "another-phone"
  apps = ["invest"]
  encrypted = true
  app_version = "6.3.0"
  rooted = false

  [customer.otp_device]''')
    path = k.write("devices.toml", text)
    k.ok("fixtures", "load", path)
    audit = k.audit_count()
    r = k.run("fixtures", "load", path, json=True)
    expect_ok(r)
    expect_eq(r.json["customers_unchanged"], 1, "the identical customer is unchanged", r)
    expect_eq(k.audit_count(), audit, "audit entries")


def test_conflicting_record_refused_and_nothing_loaded(k):
    dump, audit = loaded(k)
    # A new customer first, then C000001 under another name: the whole file is refused.
    text = customer() + "\n" + kltest.EXAMPLE_FIXTURE.replace('name = "张伟"', 'name = "张三"')
    path = k.write("conflict.toml", text)
    line = expect_error(k.run("fixtures", "load", path), 65, "invalid-fixture", "C000001", path)
    header = line_of(text, 'id = "C000001"') - 1  # the [[customer]] line of the conflicting record
    expect_in(f"{path}:{header}:", line, "names the record's line")
    expect_eq(k.dump(), dump, "store contents after a conflict")
    expect_eq(k.audit_count(), audit, "audit entries after a conflict")
    expect_error(k.run("customer", "show", "C000009"), 67, "not-found")


def test_conflicting_secret_or_operator_refused(k):
    dump, audit = loaded(k)
    other_password = kltest.EXAMPLE_FIXTURE.replace('"Kunlun2026!"', '"Kunlun2027!"')
    path = k.write("password.toml", other_password)
    expect_error(k.run("fixtures", "load", path), 65, "invalid-fixture", "C000001")
    other_roles = '[[operator]]\nname = "alice"\nroles = ["reviewer"]\n'
    expect_refused(k, "roles.toml", other_roles, "[[operator]]", "alice", dump=dump, audit=audit)
    other_phone = kltest.EXAMPLE_FIXTURE.replace('"+8613800001152"', '"+8613800001153"')
    expect_error(k.run("fixtures", "load", k.write("phone.toml", other_phone)), 65, "invalid-fixture", "C000001")
    expect_eq(k.dump(), dump, "store contents")


def test_phone_or_account_of_another_customer_refused(k):
    dump, audit = loaded(k)
    text = customer(phone="+8613800001152")
    expect_error(k.run("fixtures", "load", k.write("phone.toml", text)), 65, "invalid-fixture", "C000009",
                 "C000001")
    text = customer(account="6222020200000000014")
    expect_error(k.run("fixtures", "load", k.write("account.toml", text)), 65, "invalid-fixture", "C000009",
                 "C000001")
    kltest.expect_not_in("13800001152", k.run("fixtures", "load", k.path("phone.toml")).err, "error message")
    expect_eq(k.dump(), dump, "store contents")
    expect_eq(k.audit_count(), audit, "audit entries")


def test_invalid_records_refused(k):
    dump, audit = loaded(k)
    cases = [
        # (file name, text, line to point at, field named)
        ("id-check.toml", customer(id_number=bad_check_char(ident(9)[0])), "id_number =", "id_number"),
        ("id-birth.toml", customer(id_number=kltest.resident_id("11010519901307001")), "id_number =", "id_number"),
        ("phone.toml", customer(phone="+8612800001152"), "phone =", "phone"),
        ("phone-short.toml", customer(phone="1391234"), "phone =", "phone"),
        ("luhn.toml", customer(account=bad_luhn(ident(9)[2])), "  number =", "account[0].number"),
        ("class.toml", customer(klass="IV"), "class =", "account[0].class"),
        ("txn5.toml", customer(txn='txn_password = "73918"'), "txn_password =", "account[0].txn_password"),
        ("txn-letters.toml", customer(txn='txn_password = "73918a"'), "txn_password =", "account[0].txn_password"),
        ("unknown-key.toml", customer(extra='nickname = "Fang"\n'), "nickname", "nickname"),
        ("unknown-app.toml", customer(apps='["mobile-banking", "wechat"]'), "apps =", "apps"),
        ("base32.toml", customer(otp_secret="GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ"), "secret_base32", "secret_base32"),
        ("phc.toml", customer(extra='login_password_hash = "sha256$abc"\n').replace(
            'login_password = "Spring#Tea88"\n', ''), "login_password_hash", "login_password_hash"),
        ("txn-phc.toml", customer(txn='txn_password_hash = "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA"'),
         "txn_password_hash", "txn_password_hash"),
        ("both.toml", customer(extra='login_password_hash = "$argon2id$v=19$m=19456,t=2,p=1$'
                               'c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"\n'), "login_password_hash",
         "login_password"),
        ("name.toml", customer(name=""), 'name = ""', "name"),
        ("id-type.toml", customer().replace('"resident-id"', '"driving-licence"'), "id_type", "id_type"),
        ("role.toml", '[[operator]]\nname = "zed"\nroles = ["root"]\n', "roles", "roles"),
        ("op-key.toml", '[[operator]]\nname = "zed"\nroles = ["auditor"]\nshell = "bash"\n', "shell", "shell"),
        ("top-key.toml", '[[teller]]\nname = "zed"\n', "[[teller]]", "teller"),
        ("syntax.toml", customer() + '\n[[customer] # broken\nid = "C1"\n', "# broken", ""),
        ("cert.toml", customer(extra='  [customer.eshield]\n  certificate = "missing.pem"\n').replace(
            '[[customer.account]]', '[[customer.account]]'), "certificate =", "eshield"),
    ]
    for name, text, needle, field in cases:
        expect_refused(k, name, text, needle, field, dump=None)
    expect_eq(k.dump(), dump, "store contents after every refused load")
    expect_eq(k.audit_count(), audit, "audit entries after every refused load")


def test_one_bad_file_rejects_the_whole_load(k):
    dump, audit = loaded(k)
    good = k.write("good.toml", customer(10))
    bad = k.write("bad.toml", customer(11, klass="IV"))
    expect_error(k.run("fixtures", "load", good, bad), 65, "invalid-fixture", bad)
    expect_error(k.run("customer", "show", "C000010"), 67, "not-found")
    expect_eq(k.dump(), dump, "store contents")
    expect_eq(k.audit_count(), audit, "audit entries")


def test_duplicate_customer_across_files_rejects_the_whole_load(k):
    dump, audit = loaded(k)
    first_text = (customer(10) + "\n"
                  + customer(12))
    first = k.write("first.toml", first_text)
    second_text = customer(12, phone=ident(13)[1], account=ident(13)[2])
    second = k.write("second.toml", second_text)
    expect_error(k.run("fixtures", "load", first, second), 65, "invalid-fixture", "C000012", f"{second}:1:")
    for cid in ("C000010", "C000012"):
        expect_error(k.run("customer", "show", cid), 67, "not-found")
    expect_eq(k.dump(), dump, "store contents")
    expect_eq(k.audit_count(), audit, "audit entries")
    # Each file alone is fine.
    k.ok("fixtures", "load", first)
    expect_eq(len(k.ok("customer", "list", json=True).json), 4, "customers after loading the first file")


def test_duplicate_phone_or_account_within_a_load_refused(k):
    k.init()
    a = customer(10)
    b = customer(11, phone=ident(10)[1])
    expect_error(k.run("fixtures", "load", k.write("p.toml", a + "\n" + b)), 65, "invalid-fixture", "C000011")
    b = customer(11, account=ident(10)[2])
    expect_error(k.run("fixtures", "load", k.write("a.toml", a + "\n" + b)), 65, "invalid-fixture", "C000011")
    expect_eq(k.ok("customer", "list", json=True).json, [], "no customers")


def test_missing_fixture_file(k):
    dump, audit = loaded(k)
    missing = k.path("nope.toml")
    expect_error(k.run("fixtures", "load", missing), 66, "no-input", missing)
    expect_error(k.run("fixtures", "load", missing, json=True), 66, "no-input")
    good = k.write("good.toml", customer())
    expect_error(k.run("fixtures", "load", good, missing), 66, "no-input", missing)
    expect_error(k.run("customer", "show", "C000009"), 67, "not-found")
    expect_error(k.run("fixtures", "load", k.dir), 66, "no-input")
    expect_eq(k.dump(), dump, "store contents")
    expect_eq(k.audit_count(), audit, "audit entries")


def test_secrets_and_pii_never_stored_in_clear(k):
    k.init()
    k.load_example()
    dump = k.dump()
    for secret in ("Kunlun2026!", "739182", "Harbor-Lights7", "274615"):
        kltest.expect_not_in(secret, dump, "fixtures dump")
    expect_in("$argon2id$v=19$", dump, "dump holds PHC hashes")
    raw = b"".join(open(p, "rb").read() for p in (k.store, k.store + "-wal") if kltest.os.path.exists(p))
    for secret in (b"Kunlun2026!", b"739182", b"13800001152", b"11010519491231002X", b"JBSWY3DPEHPK3PXP"):
        expect(secret not in raw, f"{secret!r} appears in clear in the store file")


if __name__ == "__main__":
    kltest.main(globals())
