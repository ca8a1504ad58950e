"""Importing the recipient roll from a CSV or XLSX file (multipart `file`)."""

from fastapi import Request
from starlette.datastructures import UploadFile

from api.deps import CurrentUser, DatabaseDep
from api.routing import ledger_router
from api.schemas_plans import ImportPublic
from carefund import imports, sheets
from carefund.errors import ImportTooLarge, InvalidInput

router = ledger_router("recipients")

MULTIPART_OVERHEAD_BYTES_MAX = 64 * 1024
"""Room for the multipart envelope around the file itself."""

_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV (UTF-8 or GB18030) or XLSX, header row first.",
                    }
                },
            }
        }
    },
}


@router.post(
    "/recipients/import",
    response_model=ImportPublic,
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        413: {"description": "File past the limit on bytes or rows."},
        422: {"description": "Bad rows: `errors` lists every one as {row, field, msg}."},
    },
)
async def import_recipients(request: Request, database: DatabaseDep, user: CurrentUser) -> dict:
    """Upsert recipients by `member_no`, all or nothing."""
    limit = sheets.IMPORT_BYTES_MAX + MULTIPART_OVERHEAD_BYTES_MAX
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        # Refused before the body is read, so a huge upload costs nothing.
        raise ImportTooLarge(
            f"文件过大：最大 {sheets.IMPORT_BYTES_MAX // 1024 // 1024} MB", field="file"
        )
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请用 multipart/form-data 上传文件，字段名为 file", field="file")
        data = await upload.read(sheets.IMPORT_BYTES_MAX + 1)
    # Parsing and checking a whole roll is long: a thread of its own, not the group commit.
    return await database.write_async(
        lambda session: imports.import_recipients(session, data=data, actor=user).public(),
        short=False,
    )
