"""`carefund keys`: the data keys that seal personal data at rest (see README, 数据密钥)."""

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from carefund import data_keys
from carefund.errors import CarefundError
from carefund.models.sealed import keyring, new_key_text
from cli.common import database, fail, out

keys_app = typer.Typer(
    help="数据密钥：个人信息（身份证号、电话、地址）加密存放所用的密钥。", no_args_is_help=True
)


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh random key (for CAREFUND_DATA_KEY); stores nothing."""
    out.print(new_key_text(), highlight=False)


@keys_app.command("list")
def keys_list() -> None:
    """The keys configured (the first seals) and how many stored values each seals."""
    configured = database()
    try:
        keys = keyring()
        in_use = configured.read(data_keys.keys_in_use)
    except CarefundError as exc:
        fail(exc.message)
    out.print(f"密钥来源：{keys.source}", highlight=False)
    for position, key in enumerate(keys.keys):
        role = "加密" if position == 0 else "只解密"
        out.print(f"  {key.key_id}  {role}  {in_use.get(key.key_id, 0)} 项", highlight=False)
    unknown = sorted(set(in_use) - {key.key_id for key in keys.keys})
    if unknown:
        fail(f"数据库中有未配置的密钥加密的数据：{', '.join(unknown)}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new sealing key and seal every recipient again under it, in batches; the old
    keys stay readable until `carefund keys retire`."""
    configured = database()
    bar = Progress(
        TextColumn("重新加密"), BarColumn(), MofNCompleteColumn(), console=out, transient=True
    )
    task = bar.add_task("reseal", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    try:
        with bar:
            rotation = data_keys.rotate_keys(configured, progress=progress)
    except CarefundError as exc:
        fail(exc.message)
    out.print(
        f"已用新密钥 {rotation.new_key_id} 重新加密 {rotation.recipients} 位关爱对象的个人信息"
        f"（{rotation.source}）。旧密钥仍可解密；确认无误后运行 `carefund keys retire`。"
        "请立即备份新的密钥（与数据库分开存放）。",
        highlight=False,
    )


@keys_app.command("retire")
def keys_retire() -> None:
    """Drop every old key no stored value uses any more (from the key file)."""
    configured = database()
    try:
        retired = data_keys.retire_keys(configured)
        source = keyring().source
    except CarefundError as exc:
        fail(exc.message)
    if not retired:
        out.print("没有可以停用的旧密钥。", highlight=False)
    elif source == "CAREFUND_DATA_KEY":
        out.print(f"可以从 CAREFUND_DATA_KEY 中删去：{', '.join(retired)}", highlight=False)
    else:
        out.print(f"已从 {source} 中删去旧密钥：{', '.join(retired)}", highlight=False)
