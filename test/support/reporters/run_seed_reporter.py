"""Runs the TC Portal's reporter (report_job_status.py, kept verbatim) the way a scheduled task does.

REPORTER_TEST_MODE:
  success     run it as a script whose main() succeeds  -> report_job_status("success", "処理完了")
  error       run it as a script whose main() raises    -> report_job_status("error", str(e)), then re-raise
  no-message  call report_job_status("success") itself  -> the reporter sends "message": null
"""
import os
import runpy

REPORTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "reporters", "report_job_status.py")
mode = os.environ.get("REPORTER_TEST_MODE", "success")


def main():
    if mode == "error":
        raise RuntimeError(os.environ.get("REPORTER_TEST_ERROR", "job failed"))


if mode == "no-message":
    runpy.run_path(REPORTER)["report_job_status"]("success")
else:
    runpy.run_path(REPORTER, init_globals={"main": main}, run_name="__main__")
