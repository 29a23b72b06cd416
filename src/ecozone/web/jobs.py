"""Long work of the web app run in the background: a prefecture's reports as one zip (31 s for 8 counties in the
foreground, minutes for a province), every county's 申报材料包 (reports, evidence, contents), and the check and the
load of a large uploaded workbook (a province's board: 2.5 s per 100 counties each) no longer hold a request open.

A job is a row in the store (``store.jobs``); the work runs in a worker process and writes its progress and its
result there, so any server process shows it. Where it runs: with ``ECOZONE_REDIS_URL`` set, on an RQ queue on that
Redis (``ecozone worker`` runs the queue; a job survives a server restart); otherwise in a process pool inside the
server (the embedded default: nothing to install, but a job queued when the server stops is lost, and said so).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ecozone.errors import EcozoneError, UsageError

__all__ = ["QUEUE_NAME", "dossiers_archive", "reports_archive", "run_job", "submit"]

QUEUE_NAME = "ecozone"
DONE = "已完成"
_pool: ProcessPoolExecutor | None = None


def submit(database_url: str, job_id: str) -> None:
    """Start the job: on the Redis queue when one is configured, else in this server's process pool."""
    global _pool
    queue_url = os.environ.get("ECOZONE_REDIS_URL")
    if queue_url:
        try:
            from redis import Redis
            from rq import Queue, Retry
        except ImportError:
            raise UsageError("设置了 ECOZONE_REDIS_URL，但没有安装任务队列",
                             expected="pip install 'ecozone[queue]'") from None
        # a job whose worker is killed mid-job is found abandoned by the next worker's registry cleanup and handed
        # out again (claim() lets it start over); a warm restart (SIGTERM) finishes it first
        Queue(QUEUE_NAME, connection=Redis.from_url(queue_url)).enqueue(run_job, database_url, job_id,
                                                                        job_timeout=3600, retry=Retry(max=2))
        return
    if _pool is None:  # one job at a time per server process: the reports already use every core; spawned, as
        # forking a server's process copies its threads' locks mid-use
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_leave_with_the_server)
    _pool.submit(run_job, database_url, job_id)


def _leave_with_the_server() -> None:
    """In the pool's process: end when the server's process ends. uvicorn stops on SIGTERM by raising the signal
    again after its shutdown, so the server dies without Python's exit hooks, and a pool process (which holds its
    own queue's write end, so never reads an end of file) waited for work for ever: 200–240 MB each. A job cut
    short this way is left running and its page says so after STALLED_AFTER."""
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the server's process has ended, however it ended
        os._exit(1)

    threading.Thread(target=watch, name="ecozone-server-watch", daemon=True).start()


def run_job(database_url: str, job_id: str) -> None:
    """The job's work, in a worker process: its own engine, its state written as it goes."""
    from ecozone.store import db
    from ecozone.store.jobs import claim, mark

    engine = db.engine_for(database_url)
    sessions = db.session_factory(engine)
    try:
        with sessions() as session:
            job = claim(session, job_id)
            if job is None:
                return
            kind, owner, params = job.kind, job.owner, dict(job.params)
            try:
                file_id, said = _WORK[kind](session, job_id, owner, params)
            except EcozoneError as exc:
                session.rollback()
                mark(session, job_id, status="failed", message=exc.message)
            except Exception as exc:  # a worker must always leave its job finished, whatever broke
                session.rollback()
                mark(session, job_id, status="failed", message=f"内部错误（{type(exc).__name__}），请联系管理员")
                raise
            else:
                mark(session, job_id, status="done", file_id=file_id, message=said)
    finally:
        engine.dispose()


def _reports(session: Any, job_id: str, owner: str, params: dict[str, Any]) -> tuple[int | None, str]:
    actor, evaluation, step = _board_work(session, job_id, owner, params, "报告")
    with tempfile.TemporaryDirectory(prefix="ecozone-job-") as folder:
        target = reports_archive(evaluation, params["formats"], Path(folder), actor.region, step)
        return _keep(session, actor, job_id, target), DONE


def _dossiers(session: Any, job_id: str, owner: str, params: dict[str, Any]) -> tuple[int | None, str]:
    from ecozone.store.repository import evidence_table

    actor, evaluation, step = _board_work(session, job_id, owner, params, "申报材料包")
    with tempfile.TemporaryDirectory(prefix="ecozone-job-") as folder:
        def evidence(code: str, under: Path) -> Any:
            table = evidence_table(session, actor, code, under)
            session.rollback()  # read only: no transaction left open while the next county's reports are made
            return table

        target = dossiers_archive(evaluation, evidence, Path(folder), actor.region, step)
        return _keep(session, actor, job_id, target), DONE


def _upload_check(session: Any, job_id: str, owner: str, params: dict[str, Any]) -> tuple[int | None, str]:
    """A large workbook's check and preview (``web.uploads``, as a request makes a small one's), kept as JSON."""
    from ecozone.store.jobs import mark
    from ecozone.store.repository import own_upload, save_file
    from ecozone.web.uploads import check_upload, upload_preview

    actor = _owner(session, owner)
    stored = own_upload(session, actor, params["file_id"])
    name, data = stored.filename, stored.data
    session.rollback()
    mark(session, job_id, total_steps=2, message=f"正在检查「{name}」……")
    checked = check_upload(session, actor, data, name, params["standard"])
    session.rollback()
    mark(session, job_id, done_steps=1, message="正在试算载入（不写入），评估载入前后的结论……")
    try:
        # stored was expired by the rollbacks above: SQLAlchemy reads it again as the preview uses it
        preview = upload_preview(session, actor, checked, stored, params["standard"])
    finally:
        session.rollback()  # a dry run: its savepoint is rolled back already, and nothing else is written
    with session.begin():
        kept = save_file(session, actor, "job", actor.region, f"{Path(name).stem}_检查结果.json",
                         json.dumps(preview, ensure_ascii=False).encode(), "application/json", job_id)
        return int(kept.id), "检查完成，尚未写入"


def _upload_load(session: Any, job_id: str, owner: str, params: dict[str, Any]) -> tuple[int | None, str]:
    """A large workbook's confirmed load, all or nothing, once (``web.uploads.load_upload``)."""
    from ecozone.errors import ConfirmationNeeded
    from ecozone.store.jobs import mark
    from ecozone.store.repository import claim_upload
    from ecozone.web.uploads import load_upload

    actor = _owner(session, owner)
    session.rollback()
    mark(session, job_id, total_steps=1, message="正在写入……")
    try:
        with session.begin():
            stored = claim_upload(session, actor, params["file_id"])
            loaded = load_upload(session, actor, stored, params["standard"], params["accept_warnings"])
    except ConfirmationNeeded:
        raise UsageError("有需要确认的警告，尚未写入：请回到检查结果，勾选「我已核对上述警告，数值无误」"
                         "后再确认载入") from None
    return None, loaded


def _board_work(session: Any, job_id: str, owner: str, params: dict[str, Any], what: str) -> tuple[Any, Any, Any]:
    """The owner (still active) as an actor, the board's evaluation in their scope, and a step that says progress."""
    from ecozone.catalogue import load_standard
    from ecozone.store.jobs import mark
    from ecozone.web.views import board_view

    actor = _owner(session, owner)
    view = board_view(session, actor, load_standard(params["standard"]))
    session.rollback()
    if view.evaluation is None:
        raise UsageError(f"权限范围内还没有数据，无法生成{what}")
    total = view.evaluation.regions.height
    mark(session, job_id, total_steps=total, message=f"正在生成 {total} 个地区的{what}……")
    names = view.evaluation.names
    done = 0

    def step(code: str) -> None:
        nonlocal done
        done += 1
        mark(session, job_id, done_steps=done, message=f"已生成 {done}/{total}：{names.get(code, code)}")

    return actor, view.evaluation, step


def _owner(session: Any, owner: str) -> Any:
    """The job's owner as an actor, if still active: a job runs with its owner's rights as they are now."""
    from ecozone.store.repository import Actor, active_user

    user = active_user(session, owner)
    if user is None:
        raise UsageError(f"用户 {owner} 已停用，任务取消")
    return Actor(user.name, user.role, user.region, user.department)


def _keep(session: Any, actor: Any, job_id: str, target: Path) -> int:
    """The job's result as a stored file of its owner (kind ``job``); its id."""
    from ecozone.store.repository import save_file

    with session.begin():
        stored = save_file(session, actor, "job", actor.region, target.name, target.read_bytes(), "application/zip",
                           job_id)
        return int(stored.id)


def reports_archive(evaluation: Any, formats: list[str], folder: Path, region: str,
                    progress: Any = None) -> Path:
    """Every region's reports in ``formats`` and the 总表 as one zip, a folder per region (the board's download and
    the background job make the same file)."""
    from ecozone import api
    from ecozone.reports.workbook import write_results_workbook

    written = api.write_region_reports(evaluation, formats, None, folder / "reports", progress=progress)
    summary = folder / f"评估总表_{region}_{evaluation.year}.xlsx"
    write_results_workbook(evaluation, summary, with_plan=True)
    target = folder / f"各地报告_{region}_{evaluation.year}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:  # non-ASCII names get the UTF-8 flag
        archive.write(summary, summary.name)
        for code, files in written.items():
            for path in files.values():
                archive.write(path, f"{evaluation.names.get(code, code)}{code}/{path.name}")
    return target


def dossiers_archive(evaluation: Any, evidence: Any, folder: Path, region: str, progress: Any = None) -> Path:
    """Every region's 申报材料包 (``reports.dossier``: the same zip as a county's own download) inside one zip.
    ``evidence(code, folder)``: the region's evidence rows, their files written under ``folder``."""
    from ecozone.reports.dossier import write_dossier

    target = folder / f"申报材料包_{region}_{evaluation.year}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:  # each dossier is compressed already
        for code in evaluation.regions["region"].to_list():
            own = folder / code
            own.mkdir()
            dossier = own / f"{evaluation.names.get(code, code)}{code}_申报材料.zip"
            write_dossier(evaluation, code, evidence(code, own / "files"), dossier)
            archive.write(dossier, dossier.name)
            shutil.rmtree(own)  # a province's evidence never sits on disk all at once
            if progress is not None:
                progress(code)
    return target


_WORK = {"reports": _reports, "dossiers": _dossiers, "upload_check": _upload_check,
         "upload_load": _upload_load}
