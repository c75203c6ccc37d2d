"""Runs a TC Portal-style reporter the way a scheduled task does: pasted into a script that defines main().

REPORTER_FILE: the reporter to run (default: the shipped reporters/report_job_status.py; the tests also pass
the README's verbatim copy of the TC Portal snippet).
REPORTER_TEST_MODE:
  success     run it as a script whose main() succeeds  -> report_job_status("success", "処理完了")
  error       run it as a script whose main() raises    -> report_job_status("error", str(e)), then re-raise
  no-message  call report_job_status("success") itself  -> the reporter sends "message": null
"""
import os
import runpy

SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "reporters", "report_job_status.py")
REPORTER = os.environ.get("REPORTER_FILE") or SHIPPED
mode = os.environ.get("REPORTER_TEST_MODE", "success")


def main():
    if mode == "error":
        raise RuntimeError(os.environ.get("REPORTER_TEST_ERROR", "job failed"))


if mode == "no-message":
    runpy.run_path(REPORTER)["report_job_status"]("success")
else:
    runpy.run_path(REPORTER, init_globals={"main": main}, run_name="__main__")
