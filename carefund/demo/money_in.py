"""The demo's money in: dues subsidies, fiscal support, members' donations, sponsors."""

from datetime import date, timedelta

from sqlmodel import Session

from carefund import incomes
from carefund.demo.roll import DEPARTMENTS, ORDINALS, TOWNS
from carefund.demo.year import CARE_FUND, RELIEF_FUND, Year


def income(
    year: Year,
    day: date,
    fund: str,
    source: str,
    payer: str,
    yuan: int,
    memo: str = "",
    method: str = "转账",
) -> None:
    """One income recorded by the clerk on `day`."""

    def record(session: Session) -> None:
        incomes.record_income(
            session,
            fund_code=fund,
            source=source,
            payer=payer,
            amount=str(yuan),
            received_on=day,
            method=method,
            memo=memo,
            actor=year.staff["clerk"],
        )

    year.at(day, record)


def care_incomes(year: Year) -> None:
    """The care fund is fed by all four sources through the year."""
    for day, yuan in (
        (date(2026, 1, 8), 80_000),
        (date(2026, 4, 8), 60_000),
        (date(2026, 7, 8), 60_000),
        (date(2026, 10, 9), 60_000),
    ):
        memo = f"{(day.month - 1) // 3 + 1} 季度党费补贴"
        income(year, day, CARE_FUND, "party_dues_subsidy", "中共城关区委组织部", yuan, memo)
    for day, yuan, batch in (
        (date(2026, 1, 15), 200_000, "一"),
        (date(2026, 7, 15), 150_000, "二"),
    ):
        memo = f"2026 年度关爱基金财政专项（第{batch}批）"
        income(year, day, CARE_FUND, "fiscal_support", "城关区财政局", yuan, memo)
    _care_donations(year)
    for day, payer, yuan in (
        (date(2026, 1, 20), "金桥建设工程有限公司", 50_000),
        (date(2026, 3, 16), "城关农村商业银行", 30_000),
        (date(2026, 6, 18), "宏达机械制造有限公司", 40_000),
        (date(2026, 9, 10), "华康医药有限公司", 20_000),
    ):
        income(year, day, CARE_FUND, "sponsorship", payer, yuan, "社会赞助关爱基金")


def _care_donations(year: Year) -> None:
    """The branches' “一日捐” in January and the “七一” donations around 1 July."""
    rng = year.rng
    branches = [f"{town}第{n}党支部" for town in TOWNS for n in ORDINALS[:3]]
    for branch in rng.sample(branches, 16):
        day = date(2026, 1, rng.randint(10, 27))
        yuan = rng.randint(10, 50) * 100
        income(year, day, CARE_FUND, "member_donation", branch, yuan, "“一日捐”活动", method="现金")
    for branch in rng.sample(branches, 20) + [f"{d}机关党支部" for d in DEPARTMENTS]:
        day = date(2026, 6, 20) + timedelta(days=rng.randint(0, 14))
        yuan = rng.randint(10, 60) * 100
        income(year, day, CARE_FUND, "member_donation", branch, yuan, "“七一”党员自愿捐款")


def relief_incomes(year: Year) -> None:
    """The relief fund: about 200,000 yuan in the year."""
    for day, source, payer, yuan, memo in (
        (date(2026, 1, 4), "fiscal_support", "城关区财政局", 120_000, "特困党员救助专项资金"),
        (
            date(2026, 1, 4),
            "party_dues_subsidy",
            "中共城关区委组织部",
            40_000,
            "特困党员救助卡党费补贴",
        ),
        (
            date(2026, 7, 2),
            "member_donation",
            "城关区直机关工委",
            25_000,
            "“七一”党员捐款转入救助基金",
        ),
        (date(2026, 8, 20), "sponsorship", "鑫源物流有限公司", 15_000, "企业捐助特困党员"),
    ):
        income(year, day, RELIEF_FUND, source, payer, yuan, memo)
