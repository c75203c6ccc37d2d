"""Reports a job's runs to the nightshift job monitor (the TC Portal contract). Python 3.8+, standard library only.

Three ways to use this file (reporters/README.md):

  from report_job_status import report_job_status       # the TC Portal's function, unchanged for callers
  report_job_status("error", "CSV が見つかりません")

  python3 report_job_status.py run --job-key nightly-backup --title "夜間バックアップ" -- ./backup.sh --full
  python3 report_job_status.py start / report --status success --message "ok"

Settings come from the TC Portal's environment variables: TC_PORTAL_MONITOR_URL (the job-report URL,
https://<api>/api/monitor/job-report), TC_PORTAL_WEBHOOK_SECRET, TC_PORTAL_JOB_KEY, TC_PORTAL_JOB_TITLE.
"""
import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import List, Optional, Tuple

REPORT_PATH_SUFFIX = "/job-report"
START_PATH_SUFFIX = "/job-start"
TIMEOUT_SECONDS = 10
# The job monitor refuses a message over 4,000 characters; keep room for the exit line.
MESSAGE_LIMIT = 3900
LINE_LIMIT = 500
DEFAULT_TAIL_LINES = 20
# Escape sequences (colours) and control characters other than tab and newline make messages unreadable.
UNPRINTABLE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")


def report_job_status(status: str, message: str = None, *, run_id: str = None, job_key: str = None,
                      title: str = None) -> bool:
    """TC Portal にジョブ結果を報告する. Returns True when the monitor stored the report."""
    return _report(status, message, run_id, job_key, title, sys.stdout)


def _report(status, message, run_id, job_key, title, out) -> bool:
    settings = _settings(job_key, title)
    if settings is None:
        print("[TC Portal] 環境変数未設定のためスキップ", file=out)
        return False
    url, secret, key, job_title = settings
    payload = {
        "job_key": key,
        "title": job_title,
        "status": status,
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "message": message,
    }
    if run_id:
        payload["run_id"] = run_id
    ok, answer = _post(url, secret, payload)
    print(f"[TC Portal] 報告成功: {status}" if ok else answer, file=out)
    return ok


def report_job_start(*, job_key: str = None, title: str = None, started_at: datetime = None) -> Optional[str]:
    """Tells the monitor a run started; returns its run_id (None when not stored: the run still goes on)."""
    settings = _settings(job_key, title)
    if settings is None:
        print("[TC Portal] 環境変数未設定のためスキップ", file=sys.stderr)
        return None
    url, secret, key, job_title = settings
    if not url.endswith(REPORT_PATH_SUFFIX):
        print(f"[TC Portal] 開始報告エラー: TC_PORTAL_MONITOR_URL must end with /api/monitor/job-report: {url}",
              file=sys.stderr)
        return None
    payload = {"job_key": key, "title": job_title,
               "started_at": (started_at or datetime.now(timezone.utc)).isoformat()}
    ok, answer = _post(url[: -len(REPORT_PATH_SUFFIX)] + START_PATH_SUFFIX, secret, payload)
    if not ok:
        print(answer.replace("報告", "開始報告", 1), file=sys.stderr)
        return None
    run_id = answer.get("run_id") if isinstance(answer, dict) else None
    print(f"[TC Portal] 開始報告成功: {key} (run {run_id})", file=sys.stderr)
    return run_id


def run_and_report(command: List[str], *, job_key: str = None, title: str = None,
                   tail_lines: int = DEFAULT_TAIL_LINES) -> int:
    """Reports the start, runs the command (its output passes through), reports success or error with the
    exit status and the last lines of its output, and returns the command's exit status."""
    run_id = report_job_start(job_key=job_key, title=title)
    started = time.monotonic()
    exit_status, tail, problem = _run(command, tail_lines)
    seconds = time.monotonic() - started
    status = "success" if exit_status == 0 else "error"
    message = _run_message(command, exit_status, problem, seconds, tail)
    # On stderr: the reporter's own lines must not mix with the command's output.
    _report(status, message, run_id, job_key, title, sys.stderr)
    return exit_status


def _settings(job_key: Optional[str], title: Optional[str]) -> Optional[Tuple[str, str, str, str]]:
    url = os.environ.get("TC_PORTAL_MONITOR_URL")
    secret = os.environ.get("TC_PORTAL_WEBHOOK_SECRET")
    if not url or not secret:
        return None
    key = job_key or os.environ.get("TC_PORTAL_JOB_KEY", "default-job")
    return url, secret, key, title or os.environ.get("TC_PORTAL_JOB_TITLE", "Default Job")


def _post(url: str, secret: str, payload: dict):
    """(True, the JSON answer) when stored, else (False, one line saying why, with the server's own reason)."""
    data = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-TC-Portal-Webhook-Secret": secret}
    try:
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:
            body = resp.read().decode("utf-8", "replace")
            if resp.status != 200:
                return False, f"[TC Portal] 報告失敗: HTTP {resp.status}"
            try:
                return True, json.loads(body)
            except ValueError:
                return True, {}
    except urllib.error.HTTPError as e:
        return False, f"[TC Portal] 報告失敗: HTTP {e.code}: {_error_detail(e)}"
    except urllib.error.URLError as e:
        return False, f"[TC Portal] 報告エラー: {url}: {e.reason}"
    except Exception as e:  # a report must never break the job that sends it
        return False, f"[TC Portal] 報告エラー: {url}: {e}"


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The monitor's {"error": "..."} (e.g. "title is required"), else the start of the body, else the reason."""
    try:
        body = error.read().decode("utf-8", "replace")
    except Exception:
        body = ""
    try:
        detail = json.loads(body).get("error")
        if detail:
            return str(detail)
    except (ValueError, AttributeError):
        pass
    return body.strip()[:200] or str(error.reason)


def _run(command: List[str], tail_lines: int):
    """Runs the command, passing its output through; returns (exit status, last lines, problem or None)."""
    tail = collections.deque(maxlen=max(tail_lines, 0))
    lock = threading.Lock()
    started = {"child": None, "stop": None}

    def forward(signum, _frame):
        if started["child"] is None:
            started["stop"] = signum  # arrived before the command started: it is stopped once it has
        else:
            started["child"].send_signal(signum)

    # Schedulers stop a job with SIGTERM: pass it on, then report the run as stopped. Ctrl-C reaches the
    # command from the terminal by itself, so the wrapper only waits for it.
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for name, handler in (("SIGTERM", forward), ("SIGINT", lambda _signum, _frame: None)):
            if hasattr(signal, name):
                previous[name] = signal.signal(getattr(signal, name), handler)
    try:
        try:
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            return 127, [], f"command not found: {command[0]}"
        except PermissionError:
            return 126, [], f"permission denied: {command[0]}"
        except OSError as e:
            return 126, [], f"cannot run {command[0]}: {e}"
        started["child"] = child
        if started["stop"] is not None:
            child.send_signal(started["stop"])

        def pump(source, target):
            for line in iter(source.readline, b""):
                target.write(line)
                target.flush()
                with lock:
                    tail.append(UNPRINTABLE.sub("", line.decode("utf-8", "replace").rstrip("\r\n"))[:LINE_LIMIT])
            source.close()

        pumps = [threading.Thread(target=pump, args=(child.stdout, _binary(sys.stdout)), daemon=True),
                 threading.Thread(target=pump, args=(child.stderr, _binary(sys.stderr)), daemon=True)]
        for thread in pumps:
            thread.start()
        returncode = child.wait()
        for thread in pumps:
            thread.join()
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return 128 + number, list(tail), f"stopped by {name}"
    return returncode, list(tail), None


def _binary(stream):
    return getattr(stream, "buffer", stream)


def _run_message(command: List[str], exit_status: int, problem: Optional[str], seconds: float,
                 tail: List[str]) -> str:
    head = f"exit {exit_status} after {seconds:.1f} s: {' '.join(command)}"[:LINE_LIMIT]
    if problem:
        head = f"{problem} (exit {exit_status})"
    lines = list(tail)
    while lines and len(head) + sum(len(line) + 1 for line in lines) + 40 > MESSAGE_LIMIT:
        lines.pop(0)
    if not lines:
        return head
    return f"{head}\n--- last {len(lines)} lines ---\n" + "\n".join(lines)


def cli(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="report_job_status.py",
        description="Report a job's start and result to the nightshift job monitor (TC Portal contract).",
        epilog="Settings: TC_PORTAL_MONITOR_URL (the job-report URL), TC_PORTAL_WEBHOOK_SECRET, "
               "TC_PORTAL_JOB_KEY and TC_PORTAL_JOB_TITLE (used when --job-key / --title are not given).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,start,report}")
    run = commands.add_parser("run", help="report the start, run COMMAND, report its result; exits with its status")
    start = commands.add_parser("start", help="report a start; prints the run id")
    report = commands.add_parser("report", help="report a result")
    for sub in (run, start, report):
        sub.add_argument("--job-key", help="the job's key (default: TC_PORTAL_JOB_KEY)")
        sub.add_argument("--title", help="the job's display title (default: TC_PORTAL_JOB_TITLE)")
    run.add_argument("--tail-lines", type=int, default=DEFAULT_TAIL_LINES,
                     help=f"output lines kept in the report (default {DEFAULT_TAIL_LINES})")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARG ...]")
    report.add_argument("--status", required=True, choices=["success", "error"])
    report.add_argument("--message")
    report.add_argument("--run-id", help="the run id `start` printed, so the report closes that run")
    args = parser.parse_args(argv)
    args.job_key = args.job_key or os.environ.get("TC_PORTAL_JOB_KEY")
    if not args.job_key:
        parser.error("--job-key (or TC_PORTAL_JOB_KEY) is required")
    # Unlike the TC Portal function's "Default Job", a command line names the job after its key.
    args.title = args.title or os.environ.get("TC_PORTAL_JOB_TITLE") or args.job_key
    if args.command == "run":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("run needs the command after --, e.g. run --job-key backup -- ./backup.sh")
        return run_and_report(command, job_key=args.job_key, title=args.title, tail_lines=args.tail_lines)
    if args.command == "start":
        run_id = report_job_start(job_key=args.job_key, title=args.title)
        if run_id:
            print(run_id)
        return 0 if run_id or not _settings(None, None) else 1
    ok = _report(args.status, args.message, args.run_id, args.job_key, args.title, sys.stderr)
    return 0 if ok or not _settings(None, None) else 1


# メイン処理を try/except でラップ: pasted into a script that defines main(), this file behaves as the
# TC Portal's snippet does; run on its own, it is the command line above (it never reports a missing main()).
if __name__ == "__main__":
    if callable(globals().get("main")):
        try:
            main()  # noqa: F821 - the script this file was pasted into defines it
            report_job_status("success", "処理完了")
        except Exception as e:
            report_job_status("error", str(e))
            raise
    else:
        sys.exit(cli(sys.argv[1:]))
