"""Validation errors in Chinese: pydantic's English `msg` replaced, its `type` kept.

Every 422 answer speaks Chinese, whether the domain refused the input (`carefund.validation`)
or FastAPI/pydantic did before the route ran (a missing field, a string too long, a number
where text belongs). A client reads `msg` to show a person and `type` (pydantic's error
type, e.g. `missing`, `string_too_long`; `value_error` for the domain's checks) to decide
what to do. Types not listed fall back to a general message naming the type.
"""

from typing import Any

MESSAGES: dict[str, str] = {
    "missing": "必填",
    "missing_argument": "必填",
    "extra_forbidden": "未知的字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "应为 UTF-8 文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "int_parsing_size": "整数过大",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "literal_error": "只能是 {expected}",
    "enum": "只能是 {expected}",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "datetime_type": "时间格式应为 ISO 8601",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601",
    "list_type": "应为数组",
    "tuple_type": "应为数组",
    "set_type": "应为数组",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON",
    "none_required": "应为空（null）",
    "url_parsing": "不是有效的网址",
    "uuid_parsing": "不是有效的 UUID",
}
FALLBACK = "不符合要求（{type}）"


def chinese_message(error: dict[str, Any]) -> str:
    """The Chinese `msg` of one pydantic error (`RequestValidationError.errors()` item)."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        # The schemas' own checks raise ValueError with a Chinese message already.
        return str(context["error"])
    if _is_chinese(str(error.get("msg", ""))):
        return str(error["msg"])  # written here in Chinese (api.routing's unknown query)
    template = MESSAGES.get(kind, FALLBACK)
    values = {key: _shown(value) for key, value in context.items()} | {"type": kind}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("（ ") or FALLBACK.format(type=kind)


def _shown(value: Any) -> str:
    # pydantic's `expected` reads "'a', 'b' or 'c'": list the choices the Chinese way.
    return str(value).replace(" or ", "、").replace(", ", "、")


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


HTTP_DETAILS = {
    "Not Found": "不存在",
    "Method Not Allowed": "不支持该请求方法",
    "Unauthorized": "需要登录（Bearer 令牌）",
    "Forbidden": "无权访问",
    "Not Acceptable": "无法提供所要求的格式",
    "Unsupported Media Type": "不支持的请求体类型",
    "Request Entity Too Large": "请求体过大",
    "Content Too Large": "请求体过大",
}


def chinese_detail(detail: str) -> str:
    """Starlette's English detail of an HTTP error (`Not Found`, …) in Chinese; our own
    details, already Chinese, pass unchanged."""
    return HTTP_DETAILS.get(detail, detail)
