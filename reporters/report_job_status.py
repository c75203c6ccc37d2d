import os
import json
import urllib.request
from datetime import datetime, timezone

def report_job_status(status: str, message: str = None) -> None:
    """TC Portal にジョブ結果を報告する"""
    url = os.environ.get("TC_PORTAL_MONITOR_URL")
    secret = os.environ.get("TC_PORTAL_WEBHOOK_SECRET")
    job_key = os.environ.get("TC_PORTAL_JOB_KEY", "default-job")
    job_title = os.environ.get("TC_PORTAL_JOB_TITLE", "Default Job")

    if not url or not secret:
        print("[TC Portal] 環境変数未設定のためスキップ")
        return

    payload = {
        "job_key": job_key,
        "title": job_title,
        "status": status,
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "message": message,
    }

    data = json.dumps(payload).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-TC-Portal-Webhook-Secret": secret,
    }

    try:
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            if resp.status == 200:
                print(f"[TC Portal] 報告成功: {status}")
            else:
                print(f"[TC Portal] 報告失敗: HTTP {resp.status}")
    except Exception as e:
        print(f"[TC Portal] 報告エラー: {e}")


# メイン処理を try/except でラップ
if __name__ == "__main__":
    try:
        main()
        report_job_status("success", "処理完了")
    except Exception as e:
        report_job_status("error", str(e))
        raise
