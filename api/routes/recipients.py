"""Recipients (关爱对象): add, list and search, read, change; personal data only masked."""

from functools import partial

from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import Page, PathId, SearchText
from api.schemas_recipients import RecipientCreate, RecipientPublic, RecipientUpdate
from carefund import recipients
from carefund.vocabulary import MemberCategory

router = ledger_router("recipients")


@router.post("/recipients", status_code=201, response_model=RecipientPublic)
async def create_recipient(body: RecipientCreate, database: DatabaseDep, user: CurrentUser) -> dict:
    """新增关爱对象（clerk、integration）；身份证号与电话只以遮蔽形式返回。"""
    fields = body.model_dump(exclude_unset=True)

    def create(session: Session) -> dict:
        return recipients.recipient_public(
            recipients.create_recipient(session, actor=user, **fields)
        )

    return await database.write_async(create)


@router.get("/recipients", response_model=Page[RecipientPublic])
def list_recipients(
    database: DatabaseDep,
    user: CurrentUser,
    category: MemberCategory | None = None,
    q: SearchText = None,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """关爱对象名册，可按类别、启用状态筛选，`q` 搜索姓名、党员编号、支部。"""
    return read_page(
        database,
        partial(
            recipients.list_recipients,
            actor=user,
            category=category,
            q=q,
            active=active,
        ),
        cursor=cursor,
        limit=limit,
    )


@router.get("/recipients/{recipient_id}", response_model=RecipientPublic)
def get_recipient(recipient_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一名关爱对象。"""
    return database.read(partial(recipients.get_recipient, recipient_id=recipient_id, actor=user))


@router.patch("/recipients/{recipient_id}", response_model=RecipientPublic)
async def update_recipient(
    recipient_id: PathId, body: RecipientUpdate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """修改关爱对象（clerk、integration）；只改所传字段，改动记入审计日志。"""
    changes = body.model_dump(exclude_unset=True)

    def update(session: Session) -> dict:
        return recipients.recipient_public(
            recipients.update_recipient(session, recipient_id=recipient_id, actor=user, **changes)
        )

    return await database.write_async(update)
