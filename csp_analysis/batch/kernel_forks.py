"""Report kernels forked from a warm template process: imports and data paid once per worker.

A report kernel started the usual way spends about 1.7 s importing pandas, statsmodels,
matplotlib and the package and about 0.9 s reading the processed data before the report's own
work begins. Here each batch worker starts one *template* process that imports all of that and
reads each force's processed records once, then never runs report code. For every report the
template forks a child, which becomes a fresh IPython kernel on the connection file
jupyter_client gave it: the imports and the data are already in its memory (shared with the
template copy-on-write), and it has seen nothing any other report did, because every child
comes from the same untouched template (``tests/test_kernel_forks.py`` proves it: globals,
matplotlib rcParams, warning filters and the environment one report sets are not seen by the
next).

How jupyter_client sees it: the kernel it launches is a small *client* (``python -m
csp_analysis.batch.kernel_forks kernel -f CONNECTION_FILE``) that asks the template, over a
Unix socket, to fork a kernel with its connection file, working directory and environment,
forwards the signals it gets (interrupt, terminate) to that kernel's process group, and exits
with the kernel's exit status. If the client dies (the batch kills a report past its timeout
by killing the client's process group), the template sees its socket close and kills the
kernel. If the template's parent (the batch worker) dies, the template kills its kernels and
exits.

POSIX only (``os.fork``); set ``CSP_ANALYSIS_FORK_KERNELS=0`` to start every kernel the usual
way. The template process is single-threaded when it forks: it only imports and reads (Arrow's
thread pool is re-created in a forked child by Arrow's own fork handlers).
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOCKET_ENV = "CSP_ANALYSIS_FORK_SOCKET"
ENABLE_ENV = "CSP_ANALYSIS_FORK_KERNELS"  # "0": start each kernel the usual way
# The report a fork request is for (JSON: csp, period_end, processed_dir), set by the worker
# around each report: the template prepares that partnership's shared work before forking.
PREPARE_ENV = "CSP_ANALYSIS_FORK_PREPARE"
READY_TIMEOUT = 120.0
_FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def forking_available() -> bool:
    """Whether report kernels may be forked here (POSIX fork, not turned off)."""
    return hasattr(os, "fork") and os.environ.get(ENABLE_ENV, "1") != "0"


# --------------------------------------------------------------------------- the template


_LAZY_IMPORTS = (
    "geopandas",
    "geopandas.plotting",
    "shapely",
    "pyproj",
    "libpysal.weights",
    "esda.getisord",
    "scipy.stats",
    "scipy.optimize",
    "scipy.linalg",
    "statsmodels.tsa.statespace.sarimax",
    "statsmodels.tsa.exponential_smoothing.ets",
)


def _warm(processed_dir: str, forces: list[str]) -> None:
    """Import what every report imports and read each force's records into the cache."""
    # Not pyplot: its backend is chosen in the kernel (ipykernel's inline backend).
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401
    import matplotlib  # noqa: F401
    import matplotlib.font_manager  # noqa: F401 (reads the font cache)
    import matplotlib_inline.backend_inline  # noqa: F401

    from csp_analysis.core.registry import load_areas
    from csp_analysis.io import remote
    from csp_analysis.report import context, review  # noqa: F401

    # What the sections import when first used (maps, hotspots, forecasts): measured 0.5 s
    # of a report's first map and hotspot test.
    for module in _LAZY_IMPORTS:
        try:
            importlib.import_module(module)
        except ImportError:
            pass

    if processed_dir:
        try:
            local = remote.local_processed_dir(processed_dir)  # a URL: this machine's copy
        except Exception as exc:  # a report will meet the same problem and say it plainly
            print(f"kernel template: could not read {processed_dir}: {exc}", file=sys.stderr)
            return
        areas = load_areas()
        for force in forces:
            try:
                context.warm_force(local, areas.force(force))
            except Exception as exc:  # a report will meet the same problem and say it plainly
                print(f"kernel template: could not pre-read {force}: {exc}", file=sys.stderr)


def _prepare_for(request: dict) -> None:
    """Before forking a report's kernel, compute in the template what its partnership's reports
    share (``review.warm_partnership``), once per partnership: this report pays it as it would
    have, the partnership's later reports on this worker inherit it."""
    spec = request.get("env", {}).get(PREPARE_ENV)
    if not spec:
        return
    try:
        report = json.loads(spec)
        if report.get("csp"):
            from csp_analysis.report import review

            review.warm_partnership(
                report["csp"],
                report.get("period_end") or "latest",
                report.get("processed_dir") or "",
            )
    except Exception as exc:  # the report will meet the same problem and say it plainly
        print(f"kernel template: could not prepare {spec}: {exc}", file=sys.stderr)


def _become_kernel(request: dict, close: list[socket.socket]) -> None:
    """In the forked child: detach, take the report's directory and environment, run a kernel.

    Never returns: the child exits with the kernel's status.
    """
    code = 1
    try:
        for sock in close:
            sock.close()
        for sig in (*_FORWARDED_SIGNALS, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        os.setsid()  # its own process group, so the template can kill it and all it starts
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=["-f", request["connection_file"]])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException as exc:  # noqa: BLE001 (report it, never return into the server)
        print(f"forked kernel failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve(socket_path: str, processed_dir: str, forces: list[str]) -> None:
    """The template process: warm up, then fork a kernel for each client that connects."""
    parent = os.getppid()
    _warm(processed_dir, forces)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp_path = socket_path + ".tmp"
    listener.bind(tmp_path)
    listener.listen(64)
    os.rename(tmp_path, socket_path)  # the socket appears only once the template is warm
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytes] = {}
    kernel_of: dict[socket.socket, int] = {}
    client_of: dict[int, socket.socket] = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch handles Ctrl-C
    while not stopping:
        for key, _ in selector.select(timeout=0.2):
            if key.fileobj is listener:
                conn, _ = listener.accept()
                selector.register(conn, selectors.EVENT_READ)
                buffers[conn] = b""
                continue
            conn = key.fileobj
            data = conn.recv(1 << 20)
            if conn in kernel_of:
                if not data:  # the client died: its kernel must not outlive it
                    _kill_group(kernel_of.pop(conn))
                    selector.unregister(conn)
                    conn.close()
                continue
            if not data:
                selector.unregister(conn)
                buffers.pop(conn, None)
                conn.close()
                continue
            buffers[conn] += data
            if b"\n" not in buffers[conn]:
                continue
            request = json.loads(buffers.pop(conn).split(b"\n", 1)[0])
            _prepare_for(request)
            open_sockets = [listener, *buffers, *kernel_of, conn]
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, open_sockets)
            kernel_of[conn] = pid
            client_of[pid] = conn
            conn.sendall(f"{pid}\n".encode())
        _reap(kernel_of, client_of, selector)
        if os.getppid() != parent:  # the worker is gone: so are its kernels
            break
    for pid in list(client_of):
        _kill_group(pid)
    listener.close()
    Path(socket_path).unlink(missing_ok=True)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _reap(kernel_of, client_of, selector) -> None:
    """Collect exited kernels and tell each one's client its exit status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = client_of.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            conn.sendall(f"exit {code}\n".encode())
        except OSError:
            pass
        kernel_of.pop(conn, None)
        try:
            selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()


# --------------------------------------------------------------------------- the client


def client(connection_file: str) -> int:
    """The process jupyter_client launches as the kernel: ask for a fork, then stand in for it."""
    path = os.environ.get(SOCKET_ENV)
    if not path:
        print(f"{SOCKET_ENV} is not set: no kernel template to fork from", file=sys.stderr)
        return 1
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    env = {k: v for k, v in os.environ.items() if k != SOCKET_ENV}
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(), "env": env}
    sock.sendall(json.dumps(request).encode() + b"\n")
    replies = sock.makefile("r", encoding="utf-8")
    kernel = int(replies.readline())

    def forward(signum, _frame):
        try:
            os.killpg(kernel, signum)
        except OSError:
            pass

    for sig in _FORWARDED_SIGNALS:
        signal.signal(sig, forward)
    line = replies.readline()  # "exit N" when the kernel ends; "" if the template died
    if line.startswith("exit "):
        return int(line.split()[1]) % 256
    forward(signal.SIGKILL, None)  # no template to watch the kernel: it goes with us
    return 1


# --------------------------------------------------------------------------- the worker side


class KernelTemplate:
    """A batch worker's template process and the kernel spec that forks from it."""

    def __init__(self, processed_dir: str, forces: list[str]):
        self.processed_dir = processed_dir
        self.forces = sorted(set(forces))
        self._dir = tempfile.mkdtemp(prefix="csp-kernels-")
        self.socket_path = os.path.join(self._dir, "template.sock")
        cmd = [sys.executable, "-m", "csp_analysis.batch.kernel_forks", "serve",
               "--socket", self.socket_path, "--processed-dir", processed_dir]  # fmt: skip
        for force in self.forces:
            cmd += ["--force", force]
        # stdout and stderr: the worker's (its log), which the forked kernels inherit too.
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)

    def key(self) -> tuple:
        return (self.processed_dir, tuple(self.forces))

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.socket_path):
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def alive(self) -> bool:
        return self.process.poll() is None and os.path.exists(self.socket_path)

    def kernel_spec(self):
        from jupyter_client.kernelspec import KernelSpec

        return KernelSpec(
            argv=[
                sys.executable,
                "-m",
                "csp_analysis.batch.kernel_forks",
                "kernel",
                "-f",
                "{connection_file}",
            ],  # fmt: skip
            display_name="Python (csp-analysis, forked)",
            language="python",
            interrupt_mode="signal",
            env={SOCKET_ENV: self.socket_path},
            metadata={"debugger": False},
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for leftover in Path(self._dir).glob("*"):
            leftover.unlink(missing_ok=True)
        try:
            os.rmdir(self._dir)
        except OSError:
            pass


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m csp_analysis.batch.kernel_forks")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve")
    serve_parser.add_argument("--socket", required=True)
    serve_parser.add_argument("--processed-dir", default="")
    serve_parser.add_argument("--force", action="append", default=[])
    kernel_parser = sub.add_parser("kernel")
    kernel_parser.add_argument("-f", dest="connection_file", required=True)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.socket, args.processed_dir, args.force)
        return 0
    return client(args.connection_file)


if __name__ == "__main__":
    sys.exit(main())
