"""Peak memory under the inputs of issue #16: prints Markdown for bench/RESULTS.md (section "Memory under
hostile input"). Run `python -m bench.adversarial` from the repository root (it uses tests/adversarial).

1. A whole `sistercity run` over an inbox of every bad input of tests/adversarial (a cut DOCX, a DOCX of
   48 MB of XML in kilobytes, a 1,001-page scanned PDF, links out of the inbox, bad case.toml files)
   plus a 200-page scanned PDF, one page of 14,400 x 14,400 pt and the demo corpus: its peak RSS
   (`/usr/bin/time -v`, the largest process: the run, its OCR workers and Prefect's API are separate
   processes), its wall time, and whether every bad file was recorded as failed.
2. The review workbench under uvicorn with three concurrent POST /login bodies of 900 MB declared
   (Content-Length) and three of 100 MB streamed without one: its peak RSS (VmHWM) and the answers.
Everything runs on 127.0.0.1, bounded in count.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_inbox(tmp: Path) -> dict:
    from tests.adversarial import inputs

    inbox = tmp / "inbox"
    expected = inputs.write_adversarial_inbox(inbox, tmp / "outside")
    (inbox / "good-case" / "scan_200.pdf").write_bytes(inputs.image_pdf(200, px=300))
    (inbox / "good-case" / "poster.pdf").write_bytes(inputs.image_pdf(1, width_pt=14_400, height_pt=14_400, px=400))
    shutil.copytree(ROOT / "corpora" / "demo", inbox / "demo")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "pipeline.cli", "run", str(inbox), "--db",
           str(tmp / "s.db"), "--reports", str(tmp / "reports")]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
    seconds = time.perf_counter() - t
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    from pipeline.store.db import Store

    store = Store(str(tmp / "s.db"))
    by_path = {d.path: d for d in store.documents()}
    recorded = {rel: next((d.error for p, d in by_path.items() if p.endswith("/" + rel)), None) for rel in expected}
    missing = [rel for rel, err in recorded.items() if not err or not err.startswith(expected[rel])]
    return {"exit": proc.returncode, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024),
            "documents": len(by_path), "failed": sum(d.status == "failed" for d in by_path.values()),
            "bad_files": len(expected), "bad_files_not_recorded": missing,
            "reports": sorted(p.name for p in (tmp / "reports").glob("*"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attack_workbench(tmp: Path) -> dict:
    db = tmp / "wb.db"
    from pipeline.store.db import Store
    from pipeline.store.reviews import ReviewStore

    ReviewStore(Store(str(db))).add_reviewer("ana", "correct horse battery", "admin")
    port = free_port()
    app = f"import uvicorn; from pipeline.web.app import create_app; uvicorn.run(create_app('sqlite:///{db}'), " \
          f"host='127.0.0.1', port={port}, log_level='error')"
    server = subprocess.Popen([sys.executable, "-c", app], env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        answers: list[int | str] = []

        def declared() -> None:  # 900 fields x 1,000 KB, announced in Content-Length
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(f"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          f"Content-Length: {900 * 1024 * 1000}\r\n\r\n".encode())
                try:
                    for i in range(900):
                        s.sendall(f"f{i}=".encode() + b"x" * 1024 * 1000 + b"&")
                except OSError:
                    pass  # the server answered and closed: it does not read the rest
                answers.append(s.recv(100).split(b"\r\n")[0].decode() or "closed")

        def streamed() -> None:  # 100 MB chunked, no Content-Length
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n")
                chunk = b"x" * (1 << 20)
                try:
                    for _ in range(100):
                        s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    s.sendall(b"0\r\n\r\n")
                except OSError:
                    pass
                answers.append(s.recv(100).split(b"\r\n")[0].decode() or "closed")

        threads = [threading.Thread(target=f) for f in (declared, declared, declared, streamed, streamed, streamed)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        status = Path(f"/proc/{server.pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        return {"answers": answers, "seconds": round(time.perf_counter() - t, 1), "server_peak_rss_mb": round(hwm / 1024)}
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sc-adversarial-") as tmp:
        tmp = Path(tmp)
        (tmp / "run").mkdir()
        (tmp / "wb").mkdir()
        result = {"run": run_inbox(tmp / "run"), "workbench": attack_workbench(tmp / "wb")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
