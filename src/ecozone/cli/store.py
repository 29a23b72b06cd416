"""Database, users and the web server: db upgrade/backup/restore/load, user add, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecozone._text import shown_time
from ecozone.cli.app import app, err, out
from ecozone.cli.printing import plain_row
from ecozone.cli.sample import sample_path

__all__ = ["db_app", "load_demo", "user_app"]

db_app = typer.Typer(help="数据库：迁移、备份、恢复、载入示例。默认 SQLite；ECOZONE_DATABASE_URL 指向 PostgreSQL。")
user_app = typer.Typer(help="用户管理。")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构升级到最新版本（Alembic 迁移）。"""
    from ecozone.store import db

    db.upgrade()
    out.print(f"数据库已是最新结构：{db.shown_url()}")


@db_app.command("backup")
def db_backup(target: Annotated[Path, typer.Argument(help="备份文件")]) -> None:
    """一致性备份（SQLite 在线备份；PostgreSQL 用 pg_dump）。"""
    from ecozone.store import db

    db.backup(target)
    out.print(f"已备份到 {target}")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="备份文件")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问，直接恢复")] = False,
) -> None:
    """从备份恢复（覆盖当前数据；先把当前数据另存一份，再恢复，并升级到本程序的数据库结构）。"""
    from ecozone.store import db

    where = db.shown_url()
    if not yes and not typer.confirm(f"用 {source} 覆盖当前数据库（{where}）？当前数据会先另存一份", default=False):
        out.print("未恢复：当前数据没有改动")
        raise typer.Exit(1)
    saved = db.restore(source)
    out.print(f"已从 {source} 恢复；恢复前的数据已另存为 {saved}（网页无需重启，页面按恢复后的数据重新计算）")


@db_app.command("load")
def db_load(
    path: Annotated[Path | None, typer.Argument(help="数据文件夹或工作簿（默认：内置示例）")] = None,
    as_user: Annotated[str, typer.Option("--as", help="以哪个用户的名义载入（记入审计）")] = "system",
    reason: Annotated[str, typer.Option("--reason", help="载入原因（记入审计）")] = "载入数据",
) -> None:
    """把数据（默认：示例州）整体载入数据库：全部成功或全部不写。"""
    from ecozone import api
    from ecozone.store import db
    from ecozone.store.repository import Actor, describe_import, import_dataset

    dataset = api.load_dataset(path or sample_path())
    db.upgrade()
    engine = db.engine_for()
    province = dataset.regions["code"][0][:2] + "0000"
    with db.session_factory(engine)() as session, session.begin():
        counts = import_dataset(session, dataset, Actor(as_user, "province", province), reason)
    out.print("已载入：" + describe_import(counts))


DEMO_USERS = (("shimen", "county", "990104", "石门县填报员"), ("shizhou", "prefecture", "990100", "示例州审核员"),
              ("sheng", "province", "990000", "省级管理员"), ("linye", "department", "990100", "州林草局，第11、12项"))
DEMO_DEPARTMENTS = {"linye": ("州林草局", ["11", "12"])}


def load_demo(*, new_passwords: bool = False) -> None:
    """The sample in the database, with one account per role (random passwords, printed once; a password is
    never stored readably, so ``new_passwords`` gives the existing demo accounts new ones and prints those)."""
    import secrets

    from sqlalchemy import select

    from ecozone import api
    from ecozone.store import db
    from ecozone.store.models import User
    from ecozone.store.repository import Actor, add_user, change_user, describe_import, import_dataset

    dataset = api.load_dataset(sample_path())
    db.upgrade()
    engine = db.engine_for()
    created = []
    with db.session_factory(engine)() as session, session.begin():
        counts = import_dataset(session, dataset, Actor("system", "province", "990000"), "载入演示数据")
        for name, role, region, label in DEMO_USERS:
            password = f"{secrets.token_urlsafe(12)}-{secrets.randbelow(90) + 10}"  # meets the password rule
            if session.scalar(select(User).where(User.name == name)) is None:
                department, indicators = DEMO_DEPARTMENTS.get(name, (None, None))
                add_user(session, name, role, region, password, department=department, indicators=indicators)
                created.append((name, label, region, password))
            elif new_passwords:  # ends the account's sessions, like every password change
                change_user(session, name, password=password)
                created.append((name, label, region, password))
    engine.dispose()
    from rich.text import Text

    out.print(f"已载入演示数据到 {db.shown_url()}：" + describe_import(counts))
    for name, label, region, password in created:
        out.print(Text.assemble("  演示账号 ", (name, "bold"), f"（{label}，{region}）密码 ", (password, "bold")))
    if not created:
        out.print("  演示账号已存在（shimen / shizhou / sheng / linye），密码未改；"
                  "忘记密码时用 ecozone demo --load --new-passwords 重新生成并显示。")
    out.print("启动网页：ecozone serve，然后在浏览器打开 http://127.0.0.1:8000/")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option(
        "--role", help="county、prefecture、province、department（部门）或 expert（评审专家）")],
    region: Annotated[str, typer.Option("--region", help="所属地区代码（6位）；部门账号为其所在州（市）或县的代码")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="ECOZONE_PASSWORD",
                                          help="密码（至少10位，不能全是数字或字母；交互输入）")],
    department: Annotated[str | None, typer.Option(
        "--department", help="部门名称（部门账号必填），如 州林草局")] = None,
    indicators: Annotated[str | None, typer.Option(
        "--indicators", help="部门负责的指标序号，逗号分隔（部门账号必填），如 11,12")] = None,
    standard: Annotated[str, typer.Option("--standard", envvar="ECOZONE_STANDARD",
                                          help="核对指标序号所用的标准（与 ecozone serve 的相同）")] = "mee-2019",
    regions: Annotated[str | None, typer.Option(
        "--regions", help="评审专家分派的地区代码，逗号分隔（评审专家必填），如 990104,990105")] = None,
) -> None:
    """新建用户（密码以 argon2 散列保存）；部门账号只能查看和填报其负责的指标，评审专家只能访问分派的地区。"""
    from ecozone.catalogue import load_standard
    from ecozone.store import db
    from ecozone.store.repository import add_user, check_department

    named = None
    if indicators is not None:
        named = check_department(load_standard(standard), [i.strip() for i in indicators.split(",") if i.strip()])
    db.upgrade()
    with db.session_factory(db.engine_for())() as session, session.begin():
        add_user(session, name, role, region, password, department=department, indicators=named,
                 assigned=regions.split(",") if regions else None)
    scope = f"，{department}，负责第 {'、'.join(named)} 项指标" if named else ""
    scope += f"，分派地区 {regions}" if regions else ""
    out.print(f"已新建用户 {name}（{role}，{region}{scope}）")


@user_app.command("list")
def user_list() -> None:
    """列出全部用户（角色、地区、是否停用）。"""
    from rich.table import Table

    from ecozone.store import db
    from ecozone.store.repository import list_users

    db.upgrade()
    with db.session_factory(db.engine_for())() as session:
        users = list_users(session)
    table = Table("用户名", "角色", "地区", "部门及负责指标 / 分派地区", "状态", "创建时间")
    for user in users:
        scope = f"{user.department}：第 {'、'.join(user.indicators or [])} 项" if user.department else ""
        scope += f"分派地区：{'、'.join(user.assigned)}" if user.assigned else ""
        plain_row(table, user.name, user.role, user.region, scope, "启用" if user.active else "已停用",
                  shown_time(user.created_at) if user.created_at else "")
    out.print(table)


def _change(name: str, done: str, **change: object) -> None:
    from ecozone.store import db
    from ecozone.store.repository import change_user

    db.upgrade()
    with db.session_factory(db.engine_for())() as session, session.begin():
        change_user(session, name, **change)  # type: ignore[arg-type]
    out.print(f"{done}；该用户已登录的会话全部失效")


@user_app.command("deactivate")
def user_deactivate(name: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """停用用户：不能再登录，已登录的会话立即失效。"""
    _change(name, f"已停用用户 {name}", active=False)


@user_app.command("activate")
def user_activate(name: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """重新启用用户。"""
    _change(name, f"已启用用户 {name}", active=True)


@user_app.command("reset-password")
def user_reset_password(
    name: Annotated[str, typer.Argument(help="用户名")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="ECOZONE_PASSWORD", help="新密码（交互输入）")],
) -> None:
    """重设密码：已登录的会话立即失效。"""
    _change(name, f"已重设用户 {name} 的密码", password=password)


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str | None, typer.Option("--role", help="county、prefecture 或 province")] = None,
    region: Annotated[str | None, typer.Option("--region", help="所属地区代码（6位）")] = None,
) -> None:
    """改变用户的角色或所属地区：已登录的会话立即失效。"""
    _change(name, f"已修改用户 {name}", role=role, region=region)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    standard: Annotated[str, typer.Option("--standard", "-s", help="评估所用标准")] = "mee-2019",
    workers: Annotated[int, typer.Option("--workers", min=1, help="工作进程数（PostgreSQL 时可设为 CPU 核数）")] = 1,
    proxy: Annotated[bool, typer.Option("--behind-proxy", help="在本机反向代理（TLS）之后：采信其转发头")] = False,
) -> None:
    """启动网页服务（默认 SQLite；ECOZONE_DATABASE_URL 指向 PostgreSQL；ECOZONE_SECRET 设定会话密钥）。"""
    import os
    import secrets

    import uvicorn

    from ecozone.catalogue import load_standard
    from ecozone.store import db
    from ecozone.web.app import check_settings

    load_standard(standard)
    # every worker must sign sessions with the same key, or a login holds only on one of them
    os.environ.setdefault("ECOZONE_SECRET", secrets.token_hex(32))
    check_settings(os.environ["ECOZONE_SECRET"])  # said here, not as a traceback from each of uvicorn's workers
    db.upgrade()
    os.environ["ECOZONE_STANDARD"] = standard
    if workers > 1 and db.database_url().startswith("sqlite"):
        err.print("提示：SQLite 同一时刻只允许一个写入者；多个工作进程请使用 PostgreSQL。", style="yellow")
    uvicorn.run("ecozone.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                proxy_headers=proxy)  # forwarded headers are trusted from 127.0.0.1 only (FORWARDED_ALLOW_IPS)


@app.command()
def worker(
    burst: Annotated[bool, typer.Option("--burst", help="做完队列中已有的任务就退出（用于定时任务或测试）")] = False,
) -> None:
    """运行后台任务（各地报告打包等）：从 ECOZONE_REDIS_URL 指向的 Redis 队列取任务。

    未设置 ECOZONE_REDIS_URL 时，后台任务在网页服务进程内运行，无需本命令。"""
    import os

    from ecozone.errors import Location, UsageError
    from ecozone.web.jobs import QUEUE_NAME

    url = os.environ.get("ECOZONE_REDIS_URL")
    if not url:
        raise UsageError("没有设置 ECOZONE_REDIS_URL", Location(field="ECOZONE_REDIS_URL"),
                         expected="如 redis://127.0.0.1:6379/0；未设置时后台任务在网页服务进程内运行")
    try:
        from redis import Redis
        from rq import Queue, Worker
    except ImportError:
        raise UsageError("没有安装任务队列", expected="pip install 'ecozone[queue]'") from None
    connection = Redis.from_url(url)
    err.print(f"后台任务：正在处理队列「{QUEUE_NAME}」（{url}）")
    Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)
