"""operator add/list/remove and the role checks of cli.md "Who may run what"."""
import os
import pwd

import kltest
from kltest import expect, expect_eq, expect_error, expect_in, expect_ok


def admin():
    return pwd.getpwuid(os.geteuid()).pw_name


def roles_of(k, name, op=None):
    for o in k.ok("operator", "list", op=op, json=True).json:
        if o["name"] == name:
            return o["roles"]
    return None


def setup_team(k):
    """A test store with alice (operator), bob (reviewer), carol (auditor) and the example data."""
    k.init()
    k.load_example()


def test_operator_add_list_remove(k):
    k.init()
    r = k.ok("operator", "add", "alice", "--role", "operator", json=True)
    expect_eq(r.json["name"], "alice", "name", r)
    expect_eq(r.json["roles"], ["operator"], "roles", r)
    expect("created_at" in r.json, "created_at in the result", r)
    r = k.ok("operator", "add", "dave", "--role", "reviewer", "--role", "auditor")
    expect_in("dave", r.out, "table output names the operator", r)
    ops = k.ok("operator", "list", json=True).json
    expect_eq(sorted(o["name"] for o in ops), sorted(["alice", "dave", admin()]), "operator names")
    expect_eq(sorted(roles_of(k, "dave")), ["auditor", "reviewer"], "dave's roles")
    table = k.ok("operator", "list").out
    expect_in("NAME", table, "table header")
    expect_in("alice", table, "table rows")
    r = k.ok("operator", "remove", "alice", json=True)
    expect_eq(r.json, {"removed": "alice"}, "remove result", r)
    expect_eq(roles_of(k, "alice"), None, "alice after remove")
    commands = [e["command"] for e in k.ok("audit", "list", json=True).json]
    expect_eq(commands, ["init", "operator add", "operator add", "operator remove"], "audit trail")


def test_operator_add_again_changes_roles(k):
    k.init()
    k.ok("operator", "add", "alice", "--role", "operator")
    k.ok("operator", "add", "alice", "--role", "operator", "--role", "reviewer")
    expect_eq(sorted(roles_of(k, "alice")), ["operator", "reviewer"], "roles after the second add")
    last = k.ok("audit", "list", json=True).json[-1]
    expect_eq(last["details"]["previous_roles"], ["operator"], "audit records the previous roles")
    expect_eq(last["operator"], admin(), "audit records who acted")


def test_operator_add_bad_input(k):
    k.init()
    before = k.audit_count()
    expect_error(k.run("operator", "add", "alice", "--role", "superuser"), 64, "usage")
    expect_error(k.run("operator", "add", "alice", "--role", "superuser", json=True), 64, "usage")
    expect_error(k.run("operator", "add", "alice"), 64, "usage")
    expect_error(k.run("operator", "add", "not a name!", "--role", "operator"), 65, "invalid-operator")
    expect_eq(roles_of(k, "alice"), None, "nothing added")
    expect_eq(k.audit_count(), before, "no audit entry for refused commands")


def test_remove_unknown_operator(k):
    k.init()
    expect_error(k.run("operator", "remove", "nobody"), 67, "not-found", "nobody")
    expect_error(k.run("operator", "remove", "nobody", json=True), 67, "not-found")


def test_last_admin_cannot_be_removed(k):
    k.init()
    before = k.audit_count()
    expect_error(k.run("operator", "remove", admin()), 77, "last-admin", admin())
    expect_error(k.run("operator", "remove", admin(), json=True), 77, "last-admin")
    expect_eq(roles_of(k, admin()), ["admin"], "the admin is still there")
    expect_eq(k.audit_count(), before, "audit entries")
    k.ok("operator", "add", "root2", "--role", "admin")
    k.ok("operator", "remove", admin())
    expect_eq(roles_of(k, admin(), op="root2"), None, "removed once another admin exists")
    expect_error(k.run("operator", "remove", "root2", op="root2"), 77, "last-admin")


def test_last_admin_cannot_drop_the_admin_role(k):
    k.init()
    before = k.audit_count()
    expect_error(k.run("operator", "add", admin(), "--role", "auditor"), 77, "last-admin", admin())
    expect_eq(roles_of(k, admin()), ["admin"], "the last admin keeps the role")
    expect_eq(k.audit_count(), before, "audit entries")
    k.ok("operator", "add", admin(), "--role", "admin", "--role", "auditor")  # keeping admin is fine
    k.ok("operator", "add", "root2", "--role", "admin")
    k.ok("operator", "add", admin(), "--role", "auditor")  # another admin exists now
    expect_eq(roles_of(k, admin(), op="root2"), ["auditor"], "demoted once another admin exists")


def test_demoting_is_not_removing(k):
    # An admin who also holds another role: removing a non-last admin works; a non-admin can go.
    k.init()
    k.ok("operator", "add", "eve", "--role", "admin", "--role", "auditor")
    k.ok("operator", "remove", "eve")
    k.ok("operator", "add", "frank", "--role", "reviewer")
    k.ok("operator", "remove", "frank")
    expect_eq([o["name"] for o in k.ok("operator", "list", json=True).json], [admin()], "operators left")


def test_admin_commands_refused_to_other_roles(k):
    setup_team(k)
    fixture = k.write("more.toml", '[[operator]]\nname = "zed"\nroles = ["operator"]\n')
    calendar = k.write("CN-2031.toml", 'region = "CN"\nyear = 2031\nsource = "test"\n')
    dump_before = k.dump()
    audit_before = k.audit_count()
    cases = [
        ("bob", ["fixtures", "load", fixture]),
        ("alice", ["fixtures", "dump"]),
        ("carol", ["fixtures", "generate", "--customers", "3"]),
        ("carol", ["operator", "add", "zed", "--role", "operator"]),
        ("alice", ["operator", "list"]),
        ("bob", ["operator", "remove", "alice"]),
        ("alice", ["calendar", "load", calendar]),
        ("carol", ["init", "--testing"]),
    ]
    for who, args in cases:
        line = expect_error(k.run(*args, op=who), 77, "permission", "admin")
        expect_in(who, line, "the message names the operator")
        expect_error(k.run(*args, op=who, json=True), 77, "permission")
    expect_eq(k.dump(), dump_before, "store contents after refused commands")
    expect_eq(k.audit_count(), audit_before, "audit entries after refused commands")


def test_audit_commands_need_auditor_or_admin(k):
    setup_team(k)
    for who in ("alice", "bob"):
        for args in (["audit", "list"], ["audit", "verify"], ["audit", "checkpoint"]):
            expect_error(k.run(*args, op=who), 77, "permission", "auditor")
    k.ok("audit", "list", op="carol")
    k.ok("audit", "verify", op="carol")
    k.ok("audit", "checkpoint", op="carol")
    k.ok("audit", "list")  # admin


def test_any_role_may_read_customers_and_calendar(k):
    setup_team(k)
    for who in ("alice", "bob", "carol", admin()):
        r = k.ok("customer", "show", "C000001", op=who, json=True)
        expect_eq(r.json["id"], "C000001", "customer show", r)
        expect_eq(len(k.ok("customer", "list", op=who, json=True).json), 2, "customer list")
        k.ok("calendar", "next-business-day", "2026-09-30", op=who)
        k.ok("config", "show", op=who)


def test_unregistered_user_refused(k):
    setup_team(k)
    for args in (["customer", "list"], ["customer", "show", "C000001"], ["calendar", "next-business-day", "2026-09-30"],
                 ["audit", "list"], ["operator", "list"], ["fixtures", "dump"]):
        expect_error(k.run(*args, op="mallory"), 77, "permission", "mallory")
    expect_error(k.run("customer", "list", op="mallory", json=True), 77, "permission")


def test_removed_operator_loses_access(k):
    setup_team(k)
    k.ok("customer", "list", op="alice")
    k.ok("operator", "remove", "alice")
    expect_error(k.run("customer", "list", op="alice"), 77, "permission", "alice")


def test_two_duties_need_two_roles(k):
    k.init()
    k.ok("operator", "add", "dave", "--role", "reviewer", "--role", "auditor")
    k.ok("audit", "verify", op="dave")
    k.ok("customer", "list", op="dave")
    expect_error(k.run("operator", "list", op="dave"), 77, "permission")
    # admin is not a superuser of other duties' commands, but may read the audit log.
    k.ok("operator", "add", "adm", "--role", "admin")
    k.ok("audit", "list", op="adm")


if __name__ == "__main__":
    kltest.main(globals())
