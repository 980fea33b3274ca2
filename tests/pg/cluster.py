"""A throwaway PostgreSQL cluster for the tests: `initdb` in a new temporary directory, a Unix
socket in that directory and no TCP listener, run as `nobody` when started as root (the
server refuses to run as root), stopped and removed by `stop`.

ctest starts one for the whole run (fixture `pg`) and stops it in a cleanup fixture, which
runs even when tests fail; a test run by hand starts its own with `Cluster` and stops it on
the way out, whatever happened.

    python3 cluster.py start STATE.json   # writes {"dir", "socket", "user", "bindir"}
    python3 cluster.py stop STATE.json    # stops the server, removes the directory and STATE.json

Python 3.11 standard library only.
"""
import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid

# The cluster's superuser is named after the account running the tests: a command run with
# no KUNLUNCTL_OPERATOR acts as that name on either backend (the OS account on SQLite, the
# database role on PostgreSQL), so one suite states the same rules for both.
SUPERUSER = pwd.getpwuid(os.geteuid()).pw_name


def bindir():
    """The PostgreSQL server programs: pg_config's bindir, else the newest Debian version."""
    candidates = []
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        candidates.append(out)
    except (OSError, subprocess.CalledProcessError):
        pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for c in candidates:
        if os.access(os.path.join(c, "initdb"), os.X_OK) and os.access(os.path.join(c, "pg_ctl"), os.X_OK):
            return c
    return None


def _as_owner(argv, cwd, **kw):
    """Runs a server program as the cluster's owner: `nobody` when we are root."""
    extra = {}
    if os.geteuid() == 0:
        extra = dict(user="nobody", group="nogroup", extra_groups=[])
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, **extra, **kw)


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tls_settings(root, data, tls):
    """Server certificate and key (PEM texts) into the data directory, a TCP listener on
    127.0.0.1 that takes TLS connections only; returns the port."""
    for name, text, mode in (("server.crt", tls["cert"], 0o644), ("server.key", tls["key"], 0o600)):
        path = os.path.join(data, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        if os.geteuid() == 0:
            shutil.chown(path, "nobody", "nogroup")
    with open(os.path.join(data, "pg_hba.conf"), "w", encoding="utf-8") as f:
        f.write("local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n")
    port = free_port()
    with open(os.path.join(data, "postgresql.conf"), "a", encoding="utf-8") as f:
        f.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nssl = on\n"
                "ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    return port


def start(tls=None):
    """Creates and starts a cluster; returns its state (dir, socket, user, bindir). With
    `tls` ({"cert", "key"}: PEM texts) it also listens on 127.0.0.1 for TLS connections only
    (state "port")."""
    bin_dir = bindir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server programs (initdb, pg_ctl): install the postgresql package")
    root = tempfile.mkdtemp(prefix="kunlun-pg-")
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "nobody", "nogroup")
        os.chmod(root, 0o755)
        data = os.path.join(root, "data")
        r = _as_owner([os.path.join(bin_dir, "initdb"), "-D", data, "-U", SUPERUSER, "--auth=trust",
                       "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"], cwd=root)
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stdout}{r.stderr}")
        with open(os.path.join(data, "postgresql.conf"), "a", encoding="utf-8") as f:
            # Unix socket only; durability is not needed for a cluster deleted after the run.
            f.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{root}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 200\nshared_buffers = 64MB\n")
        port = _tls_settings(root, data, tls) if tls else None
        r = _as_owner([os.path.join(bin_dir, "pg_ctl"), "-D", data, "-l", os.path.join(root, "server.log"),
                       "-w", "-t", "60", "start"], cwd=root)
        if r.returncode != 0:
            log = ""
            if os.path.exists(os.path.join(root, "server.log")):
                with open(os.path.join(root, "server.log"), encoding="utf-8", errors="replace") as f:
                    log = f.read()
            raise RuntimeError(f"pg_ctl start failed: {r.stdout}{r.stderr}{log}")
    except BaseException:
        _remove(root, bin_dir)
        raise
    state = {"dir": root, "socket": root, "user": SUPERUSER, "bindir": bin_dir}
    if port is not None:
        state["port"] = port
    return state


def _remove(root, bin_dir):
    data = os.path.join(root, "data")
    if bin_dir and os.path.exists(os.path.join(data, "postmaster.pid")):
        _as_owner([os.path.join(bin_dir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"], cwd="/")
    shutil.rmtree(root, ignore_errors=True)


def stop(state):
    _remove(state["dir"], state["bindir"])


def psql(state, sql, database="postgres", user=None):
    """Runs SQL through psql as the superuser (or `user`); returns stdout, raises on failure."""
    r = subprocess.run([os.path.join(state["bindir"], "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At",
                        "-h", state["socket"], "-U", user or state["user"], "-d", database, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {r.stderr.strip()}")
    return r.stdout


def create_database(state, prefix="kltest"):
    """A new, empty database; returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    psql(state, f'CREATE DATABASE "{name}"')
    return name


def drop_database(state, name):
    psql(state, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def uri(state, database, user=None):
    """A connection URI for `database` over the cluster's socket."""
    return f"postgresql:///{database}?host={state['socket']}&user={user or state['user']}"


def load_state(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Cluster:
    """The cluster named by $KUNLUN_TEST_PG_STATE (ctest's), else one of our own for as long
    as the `with` block runs."""

    def __enter__(self):
        path = os.environ.get("KUNLUN_TEST_PG_STATE")
        self._own = not (path and os.path.exists(path))
        self.state = start() if self._own else load_state(path)
        return self.state

    def __exit__(self, *exc):
        if self._own:
            stop(self.state)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(f"usage: {sys.argv[0]} start|stop STATE.json")
    path = sys.argv[2]
    if sys.argv[1] == "start":
        if os.path.exists(path):  # a cluster a killed run left behind
            stop(load_state(path))
        state = start()
        with open(path, "w", encoding="utf-8") as f:
            json.dump(state, f)
        print(f"PostgreSQL test cluster in {state['dir']} (socket only)")
    else:
        if os.path.exists(path):
            stop(load_state(path))
            os.remove(path)
        print("PostgreSQL test cluster stopped and removed")


if __name__ == "__main__":
    main()
