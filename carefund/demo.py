"""The demo district: a believable year of books (2026) for a newcomer to look at.

Two funds — a care fund (关爱基金) fed by all four sources and a hardship relief fund
(特困党员救助基金) of about 200,000 yuan a year — 1,760 members in six categories, more
than 500,000 yuan paid across the 6×3 matrix through submit → approve → pay, the monthly
relief-card plan for 40 members, a few reversals, and January to October closed.

Everything goes through the ordinary use cases, in date order, so the books are exactly
what the service would have written: incomes precede what they pay for, payments are
refused in closed months, approvers never approve their own submissions. A seeded random
generator makes the same books every run (same amounts, memos and hashes); only the
users' passwords and tokens are new each time.
"""

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import disbursements, incomes, periods, plans, recipients
from carefund.access import users
from carefund.errors import Conflict
from carefund.funds import create_fund, funds_public
from carefund.models import Disbursement, Fund, JournalEntry, Recipient, User
from carefund.recipients import id_number_check_char
from carefund.storage.database import Database
from carefund.vocabulary import MemberCategory, Role

DEMO_SEED = 2026
"""Seeds the generator: the same seed, the same books."""
DEMO_YEAR = 2026
DEMO_AS_OF = date(2026, 11, 27)
"""The last day the demo's books reach; nothing is dated after it."""
CARE_FUND = "HC-CARE"
RELIEF_FUND = "HC-RELIEF"
RELIEF_MEMBERS = 40
RELIEF_MONTHLY_YUAN = 400
"""40 members × 400 yuan × 12 months = 192,000 yuan, within the fund's 200,000 a year."""
CLOSED_THROUGH_MONTH = 10
"""January to October are closed; November is the open month the clerks work in."""
PASSWORD_BYTES = 9
"""Random bytes of each demo password (12 characters once encoded)."""

ROLL: dict[MemberCategory, int] = {
    MemberCategory.cadre: 210,
    MemberCategory.retired: 430,
    MemberCategory.rural_community: 380,
    MemberCategory.non_public: 220,
    MemberCategory.mobile: 160,
    MemberCategory.hardship: 360,
}
"""Members per category: 1,760 in all."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方")
GIVEN_MALE = "国建华明志伟强军平文海林春德福成荣永俊涛斌刚勇杰峰磊鹏辉宏庆祥东生发中"
GIVEN_FEMALE = "秀英桂兰玉芳丽敏静红霞凤云淑珍娟艳萍婷琳雪梅莉娜燕慧丹翠琴"
TOWNS = ("城关街道", "东城街道", "西城街道", "南关街道", "北园镇", "河口镇", "青山镇", "柳林乡")
ORDINALS = "一二三四五六"
VILLAGES = ("东关", "西关", "南庄", "北庄", "王家", "李家", "河湾", "石桥", "杏花", "柳营")
COMMUNITIES = ("幸福", "和平", "光明", "新华", "民主", "建设", "文化", "长青")
DEPARTMENTS = (
    "区委办公室",
    "区政府办公室",
    "区财政局",
    "区民政局",
    "区教育局",
    "区卫健局",
    "区人社局",
    "区住建局",
    "区农业农村局",
    "区市场监管局",
)
COMPANIES = (
    "宏达机械制造有限公司",
    "鑫源物流有限公司",
    "华康医药有限公司",
    "绿源食品有限公司",
    "金桥建设工程有限公司",
    "明远电子科技有限公司",
    "恒信会计师事务所",
    "博文职业培训学校",
)
ROADS = ("幸福路", "人民路", "解放路", "建设路", "青年路", "文化街", "胜利街", "和平路", "新华路")
REGIONS = ("370602", "370611", "370612", "370613")
MOBILE_PREFIXES = (
    "130",
    "131",
    "133",
    "135",
    "137",
    "138",
    "139",
    "150",
    "152",
    "155",
    "158",
    "159",
    "176",
    "177",
    "180",
    "182",
    "186",
    "187",
    "189",
    "199",
)
EVEN, ODD = (0, 2, 4, 6, 8), (1, 3, 5, 7, 9)
BIRTH_YEARS: dict[MemberCategory, tuple[int, int]] = {
    MemberCategory.cadre: (1966, 1992),
    MemberCategory.retired: (1938, 1962),
    MemberCategory.rural_community: (1950, 1985),
    MemberCategory.non_public: (1975, 1998),
    MemberCategory.mobile: (1978, 1999),
    MemberCategory.hardship: (1940, 1980),
}

STAFF = (
    ("admin", Role.admin),
    ("clerk", Role.clerk),
    ("clerk2", Role.clerk),
    ("approver", Role.approver),
    ("cashier", Role.cashier),
    ("auditor", Role.auditor),
    ("integration", Role.integration),
)
"""The demo's users: one of every role, and a second clerk."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    token: str


@dataclass
class DemoResult:
    """What was built, and how to log in: passwords and tokens are shown only now."""

    users: list[DemoUser]
    funds: list[dict[str, Any]] = field(default_factory=list)
    recipients: int = 0
    disbursements_paid: int = 0
    paid_fen: int = 0

    def lines(self) -> list[str]:
        """The summary to print for the person who asked for the demo."""
        text = [f"演示区：{self.recipients} 名关爱对象，已发放 {self.disbursements_paid} 笔。"]
        text += [
            f"  {f['code']} {f['name']}：余额 {f['balance']} 元，可用 {f['available']} 元"
            for f in self.funds
        ]
        text.append("用户（密码与令牌只显示这一次）：")
        text += [
            f"  {u.username:<12} {u.role:<12} 密码 {u.password}  令牌 {u.token}" for u in self.users
        ]
        return text


class DemoRefused(Conflict):
    """The database already holds books, and the demo was not told to replace them."""


def build_demo(database: Database, *, force: bool = False) -> DemoResult:
    """Build the demo district into the database (which must be migrated).

    Refuses a database that already holds funds, members or users, unless `force`, which
    ERASES every table first (the demo has fixed codes and names, so it cannot sit beside
    other books).
    """
    if date.today() < DEMO_AS_OF:
        raise DemoRefused(f"系统日期早于 {DEMO_AS_OF.isoformat()}，演示账簿的日期会在将来")
    if not force:
        _refuse_unless_empty(database)
    else:
        _erase(database)
    builder = _Builder(database, random.Random(DEMO_SEED))
    return builder.build()


def _refuse_unless_empty(database: Database) -> None:
    def count(session: Session) -> dict[str, int]:
        return {
            "基金": session.exec(select(func.count(col(Fund.id)))).one(),
            "记账凭证": session.exec(select(func.count(col(JournalEntry.id)))).one(),
            "关爱对象": session.exec(select(func.count(col(Recipient.id)))).one(),
            "用户": session.exec(select(func.count(col(User.id)))).one(),
        }

    held = database.read(count)
    found = "、".join(f"{name} {count} 条" for name, count in held.items() if count)
    if found:
        raise DemoRefused(
            f"数据库中已有数据（{found}），不加载演示数据；确要清空并重建时使用 --force"
        )


def _erase(database: Database) -> None:
    # The journal's guards forbid deleting entries, so the schema is rebuilt instead.
    from alembic import command

    from carefund.storage.schema import alembic_config, upgrade

    command.downgrade(alembic_config(database.engine), "base")
    upgrade(database.engine)


# ---------------------------------------------------------------------------------------


Step = Callable[[Session], None]


class _Builder:
    """Collects the year's doings as dated actions, then runs them in date order."""

    def __init__(self, database: Database, rng: random.Random) -> None:
        self.database = database
        self.rng = rng
        self.actions: list[tuple[date, int, Step]] = []
        self.staff: dict[str, User] = {}
        self.roll: dict[MemberCategory, list[Recipient]] = {}
        self.relief_members: list[Recipient] = []
        self.paid: dict[str, list[int]] = {CARE_FUND: [], RELIEF_FUND: []}
        self.care_paid_ids: list[tuple[date, int]] = []

    def at(self, day: date, action: Step) -> None:
        assert day <= DEMO_AS_OF, day
        self.actions.append((day, len(self.actions), action))

    def build(self) -> DemoResult:
        credentials = self._setup()
        self._care_incomes()
        self._relief_incomes()
        self._care_programmes()
        self._care_case_by_case()
        self._relief_plan()
        self._corrections()
        self._closings()
        self.actions.sort(key=lambda item: (item[0], item[1]))
        day_index = 0
        while day_index < len(self.actions):
            day = self.actions[day_index][0]
            todays: list[Step] = []
            while day_index < len(self.actions) and self.actions[day_index][0] == day:
                todays.append(self.actions[day_index][2])
                day_index += 1
            # One transaction per day of the year: each action is still one use case.
            self.database.write(partial(_run_all, todays))
        return self._result(credentials)

    # -- people ---------------------------------------------------------------------------

    def _setup(self) -> list[DemoUser]:
        credentials: list[DemoUser] = []

        def set_up(session: Session) -> None:
            for username, role in STAFF:
                password = secrets.token_urlsafe(PASSWORD_BYTES)
                user = users.create_user(
                    session, username=username, role=role.value, password=password, actor="demo"
                )
                credentials.append(
                    DemoUser(username, role.value, password, users.issue_token(session, user))
                )
                self.staff[username] = user
            create_fund(
                session,
                code=CARE_FUND,
                name="城关区党内关爱基金",
                org="中共城关区委组织部",
                actor=self.staff["admin"],
            )
            create_fund(
                session,
                code=RELIEF_FUND,
                name="城关区特困党员救助基金",
                org="中共城关区委组织部",
                actor=self.staff["admin"],
            )
            rows = self._members()
            made = recipients.create_recipients(session, rows=rows, actor=self.staff["clerk"])
            for recipient in made:
                self.roll.setdefault(MemberCategory(recipient.category), []).append(recipient)

        self.database.write(set_up)
        self.relief_members = self.rng.sample(self.roll[MemberCategory.hardship], RELIEF_MEMBERS)
        return credentials

    def _members(self) -> list[tuple[object, dict[str, Any]]]:
        rows: list[tuple[object, dict[str, Any]]] = []
        seen_ids: set[str] = set()
        number = 0
        for category, count in ROLL.items():
            for _ in range(count):
                number += 1
                female = self.rng.random() < 0.45
                town = self.rng.choice(TOWNS)
                fields: dict[str, Any] = {
                    "name": self._name(female),
                    "category": category.value,
                    "branch": self._branch(category, town),
                    "id_number": self._id_number(category, female, seen_ids),
                    "address": f"{town}{self.rng.choice(ROADS)}{self.rng.randint(1, 300)}号",
                }
                phone = self._phone(category)
                if phone:
                    fields["phone"] = phone
                rows.append((f"DY{number:05d}", fields))
        return rows

    def _name(self, female: bool) -> str:
        rng = self.rng
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return surname + given

    def _branch(self, category: MemberCategory, town: str) -> str:
        rng = self.rng
        if category is MemberCategory.cadre:
            return f"{rng.choice(DEPARTMENTS)}机关党支部"
        if category is MemberCategory.retired:
            return f"{town}离退休干部第{rng.choice(ORDINALS[:3])}党支部"
        if category is MemberCategory.rural_community:
            if rng.random() < 0.5:
                return f"{town}{rng.choice(VILLAGES)}村党支部"
            return f"{town}{rng.choice(COMMUNITIES)}社区党支部"
        if category is MemberCategory.non_public:
            return f"{rng.choice(COMPANIES)}党支部"
        if category is MemberCategory.mobile:
            return f"{town}流动党员党支部"
        return f"{town}第{rng.choice(ORDINALS)}党支部"

    def _id_number(self, category: MemberCategory, female: bool, seen: set[str]) -> str:
        rng = self.rng
        while True:
            low, high = BIRTH_YEARS[category]
            born = date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
            # The 17th digit is even for women and odd for men.
            serial = rng.randint(0, 99) * 10 + rng.choice(EVEN if female else ODD)
            first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{serial:03d}"
            number = first17 + id_number_check_char(first17)
            if number not in seen:
                seen.add(number)
                return number

    def _phone(self, category: MemberCategory) -> str | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            return None
        if category is MemberCategory.retired and roll < 0.35:
            return f"0535-6{rng.randint(0, 999_999):06d}"
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"

    # -- money in -------------------------------------------------------------------------

    def _income(
        self,
        day: date,
        fund: str,
        source: str,
        payer: str,
        yuan: int,
        memo: str = "",
        method: str = "转账",
    ) -> None:
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
                actor=self.staff["clerk"],
            )

        self.at(day, record)

    def _care_incomes(self) -> None:
        rng = self.rng
        for day, yuan in (
            (date(2026, 1, 8), 80_000),
            (date(2026, 4, 8), 60_000),
            (date(2026, 7, 8), 60_000),
            (date(2026, 10, 9), 60_000),
        ):
            self._income(
                day,
                CARE_FUND,
                "party_dues_subsidy",
                "中共城关区委组织部",
                yuan,
                f"{(day.month - 1) // 3 + 1} 季度党费补贴",
            )
        self._income(
            date(2026, 1, 15),
            CARE_FUND,
            "fiscal_support",
            "城关区财政局",
            200_000,
            "2026 年度关爱基金财政专项（第一批）",
        )
        self._income(
            date(2026, 7, 15),
            CARE_FUND,
            "fiscal_support",
            "城关区财政局",
            150_000,
            "2026 年度关爱基金财政专项（第二批）",
        )
        branches = [f"{town}第{n}党支部" for town in TOWNS for n in ORDINALS[:3]]
        for branch in rng.sample(branches, 16):
            day = date(2026, 1, rng.randint(10, 27))
            self._income(
                day,
                CARE_FUND,
                "member_donation",
                branch,
                rng.randint(10, 50) * 100,
                "“一日捐”活动",
                method="现金",
            )
        for branch in rng.sample(branches, 20) + [f"{d}机关党支部" for d in DEPARTMENTS]:
            day = date(2026, 6, 20) + timedelta(days=rng.randint(0, 14))
            self._income(
                day,
                CARE_FUND,
                "member_donation",
                branch,
                rng.randint(10, 60) * 100,
                "“七一”党员自愿捐款",
            )
        for day, payer, yuan in (
            (date(2026, 1, 20), "金桥建设工程有限公司", 50_000),
            (date(2026, 3, 16), "城关农村商业银行", 30_000),
            (date(2026, 6, 18), "宏达机械制造有限公司", 40_000),
            (date(2026, 9, 10), "华康医药有限公司", 20_000),
        ):
            self._income(day, CARE_FUND, "sponsorship", payer, yuan, "社会赞助关爱基金")

    def _relief_incomes(self) -> None:
        self._income(
            date(2026, 1, 4),
            RELIEF_FUND,
            "fiscal_support",
            "城关区财政局",
            120_000,
            "特困党员救助专项资金",
        )
        self._income(
            date(2026, 1, 4),
            RELIEF_FUND,
            "party_dues_subsidy",
            "中共城关区委组织部",
            40_000,
            "特困党员救助卡党费补贴",
        )
        self._income(
            date(2026, 7, 2),
            RELIEF_FUND,
            "member_donation",
            "城关区直机关工委",
            25_000,
            "“七一”党员捐款转入救助基金",
        )
        self._income(
            date(2026, 8, 20),
            RELIEF_FUND,
            "sponsorship",
            "鑫源物流有限公司",
            15_000,
            "企业捐助特困党员",
        )

    # -- money out ------------------------------------------------------------------------

    def _disburse(
        self,
        day: date,
        recipient: Recipient,
        yuan: int,
        aspect: str,
        purpose: str,
        *,
        fund: str = CARE_FUND,
        method: str = "转账",
        submitter: str = "clerk",
        outcome: str = "paid",
    ) -> None:
        """Submitted, approved by another person, paid by the cashier, all dated `day`."""

        def run(session: Session) -> None:
            made = disbursements.submit_disbursement(
                session,
                fund_code=fund,
                recipient_id=recipient.id,
                amount=str(yuan),
                aspect=aspect,
                purpose=purpose,
                actor=self.staff[submitter],
            )
            assert made.id is not None
            if outcome == "submitted":
                return
            if outcome == "rejected":
                disbursements.reject_disbursement(
                    session,
                    disbursement_id=made.id,
                    reason="经核实不符合救助条件",
                    actor=self.staff["approver"],
                )
                return
            if outcome == "cancelled":
                disbursements.cancel_disbursement(
                    session,
                    disbursement_id=made.id,
                    actor=self.staff[submitter]
                    if submitter != "integration"
                    else self.staff["clerk"],
                )
                return
            disbursements.approve_disbursement(
                session, disbursement_id=made.id, actor=self.staff["approver"]
            )
            if outcome == "approved":
                return
            disbursements.pay_disbursement(
                session,
                disbursement_id=made.id,
                paid_on=day,
                method=method,
                actor=self.staff["cashier"],
            )
            if fund == CARE_FUND:
                self.care_paid_ids.append((day, made.id))

        self.at(day, run)

    def _pick(self, category: MemberCategory, count: int) -> list[Recipient]:
        return self.rng.sample(self.roll[category], count)

    def _care_programmes(self) -> None:
        """The year's programmes of the care fund, over the whole 6×3 matrix."""
        rng = self.rng
        c = MemberCategory
        # 春节走访慰问 (生活帮扶), before the Spring Festival of 17 February.
        spring = {
            c.hardship: (180, 800),
            c.retired: (110, 500),
            c.rural_community: (60, 500),
            c.mobile: (20, 500),
            c.non_public: (12, 500),
            c.cadre: (10, 500),
        }
        for category, (count, yuan) in spring.items():
            for recipient in self._pick(category, count):
                day = date(2026, 2, rng.randint(5, 12))
                self._disburse(day, recipient, yuan, "life_assistance", "春节走访慰问")
        # “七一”走访慰问老党员、困难党员 (精神关怀).
        july = {
            c.retired: (180, 300),
            c.hardship: (80, 300),
            c.rural_community: (50, 200),
            c.mobile: (30, 200),
            c.non_public: (40, 200),
            c.cadre: (30, 200),
        }
        for category, (count, yuan) in july.items():
            for recipient in self._pick(category, count):
                day = date(2026, 6, 24) + timedelta(days=rng.randint(0, 8))
                self._disburse(day, recipient, yuan, "spiritual_care", "“七一”走访慰问")
        # 优秀共产党员、优秀党务工作者表彰 (工作激励).
        awards = {
            c.cadre: (60, 1000),
            c.non_public: (50, 800),
            c.rural_community: (40, 600),
            c.mobile: (20, 600),
            c.retired: (20, 500),
            c.hardship: (10, 500),
        }
        for category, (count, yuan) in awards.items():
            for recipient in self._pick(category, count):
                self._disburse(
                    date(2026, 7, 10), recipient, yuan, "work_incentive", "优秀共产党员表彰奖励"
                )
        # 重阳节慰问老党员 (精神关怀), 18 October.
        for recipient in self._pick(c.retired, 150):
            day = date(2026, 10, rng.randint(14, 18))
            self._disburse(day, recipient, 200, "spiritual_care", "重阳节慰问")
        # 困难党员子女助学 (生活帮扶), before the school year.
        for category in (c.hardship, c.rural_community, c.mobile):
            for recipient in self._pick(category, 12):
                day = date(2026, 8, rng.randint(17, 28))
                self._disburse(
                    day,
                    recipient,
                    rng.choice((1000, 1500, 2000)),
                    "life_assistance",
                    "困难党员子女助学",
                )

    def _care_case_by_case(self) -> None:
        """Medical and emergency help through the year, some by the district's system."""
        rng = self.rng
        c = MemberCategory
        categories = (
            [c.hardship] * 5
            + [c.retired] * 3
            + [c.rural_community] * 3
            + [c.mobile, c.non_public, c.cadre]
        )
        purposes = ("大病医疗救助", "临时生活救助", "住院慰问", "因灾临时救助")
        for month in range(1, 12):
            for _ in range(9):
                # January's help starts once the first money is in; November's stops today.
                first, last = (16 if month == 1 else 2), (26 if month == 11 else 28)
                day = date(2026, month, rng.randint(first, last))
                category = rng.choice(categories)
                purpose = rng.choice(purposes)
                aspect = "spiritual_care" if purpose == "住院慰问" else "life_assistance"
                yuan = 500 if aspect == "spiritual_care" else rng.randint(10, 50) * 100
                submitter = "integration" if rng.random() < 0.3 else rng.choice(("clerk", "clerk2"))
                self._disburse(
                    day, rng.choice(self.roll[category]), yuan, aspect, purpose, submitter=submitter
                )
        # Not everything is paid: a few refused or withdrawn, and the open month's queue.
        odd = [
            (date(2026, 4, 21), "rejected"),
            (date(2026, 9, 8), "rejected"),
            (date(2026, 6, 11), "cancelled"),
        ]
        queue = [(date(2026, 11, 20 + n), "approved") for n in range(3)] + [
            (date(2026, 11, 23 + n), "submitted") for n in range(5)
        ]
        for day, outcome in odd + queue:
            category = rng.choice(categories)
            self._disburse(
                day,
                rng.choice(self.roll[category]),
                rng.randint(10, 30) * 100,
                "life_assistance",
                rng.choice(purposes),
                outcome=outcome,
            )

    def _relief_plan(self) -> None:
        """The relief card: a plan for 40 members, run on each 5th and paid the same day."""
        state: dict[str, int] = {}

        def create(session: Session) -> None:
            plan = plans.create_plan(
                session,
                fund_code=RELIEF_FUND,
                name="特困党员救助卡月度发放",
                rule="FREQ=MONTHLY;BYMONTHDAY=5",
                start=date(2026, 1, 1),
                until=None,
                amount=str(RELIEF_MONTHLY_YUAN),
                aspect="life_assistance",
                purpose="特困党员救助卡",
                recipient_ids=[r.id for r in self.relief_members],
                actor=self.staff["clerk"],
            )
            state["plan_id"] = plan.id or 0

        self.at(date(2026, 1, 4), create)
        for month in range(1, 13):
            due = date(DEMO_YEAR, month, 5)
            if due <= DEMO_AS_OF:
                self.at(due, self._relief_month(state, due))

    def _relief_month(self, state: dict[str, int], due: date) -> Step:
        def run(session: Session) -> None:
            self._run_relief(session, state, due)

        return run

    def _run_relief(self, session: Session, state: dict[str, int], due: date) -> None:
        plans.run_plan(session, plan_id=state["plan_id"], through=due, actor=self.staff["clerk"])
        generated = session.exec(
            select(Disbursement.id)
            .where(
                Disbursement.plan_id == state["plan_id"],
                Disbursement.due_on == due,
                Disbursement.status == "submitted",
            )
            .order_by(col(Disbursement.id))
        ).all()
        for disbursement_id in generated:
            assert disbursement_id is not None
            disbursements.approve_disbursement(
                session, disbursement_id=disbursement_id, actor=self.staff["approver"]
            )
            disbursements.pay_disbursement(
                session,
                disbursement_id=disbursement_id,
                paid_on=due,
                method="救助卡",
                actor=self.staff["cashier"],
            )

    def _corrections(self) -> None:
        """A few reversals, each dated in a month that is still open when it is made."""
        self._reverse_paid(
            date(2026, 3, 3),
            within=(date(2026, 2, 1), date(2026, 2, 28)),
            reason="重复发放，款项已追回",
        )
        self._reverse_paid(
            date(2026, 8, 12),
            within=(date(2026, 7, 1), date(2026, 7, 31)),
            reason="经复核不符合表彰条件，奖励撤回",
        )
        self._reverse_paid(
            date(2026, 11, 16),
            within=(date(2026, 10, 1), date(2026, 10, 31)),
            reason="银行退票：收款账号有误",
        )
        # A sponsorship booked twice by mistake; the second booking is reversed.
        self._income(
            date(2026, 9, 10),
            CARE_FUND,
            "sponsorship",
            "华康医药有限公司",
            20_000,
            "社会赞助关爱基金",
        )

        def reverse_duplicate(session: Session) -> None:
            duplicate = session.exec(
                select(incomes.Income)
                .where(incomes.Income.payer == "华康医药有限公司")
                .order_by(col(incomes.Income.id).desc())
            ).first()
            assert duplicate is not None and duplicate.id is not None
            incomes.reverse_income(
                session,
                income_id=duplicate.id,
                reason="重复登记，收据作废",
                on=date(2026, 9, 14),
                actor=self.staff["approver"],
            )

        self.at(date(2026, 9, 14), reverse_duplicate)

    def _reverse_paid(self, on: date, *, within: tuple[date, date], reason: str) -> None:
        def reverse(session: Session) -> None:
            candidates = [i for day, i in self.care_paid_ids if within[0] <= day <= within[1]]
            chosen = candidates[len(candidates) // 2]
            disbursements.reverse_disbursement(
                session,
                disbursement_id=chosen,
                reason=reason,
                on=on,
                actor=self.staff["approver"],
            )

        self.at(on, reverse)

    def _closings(self) -> None:
        for month in range(1, CLOSED_THROUGH_MONTH + 1):
            day = date(DEMO_YEAR, month + 1, 3)

            def close(session: Session, month: int = month) -> None:
                for fund in (CARE_FUND, RELIEF_FUND):
                    periods.close_period(
                        session,
                        fund_code=fund,
                        month=f"{DEMO_YEAR}-{month:02d}",
                        actor=self.staff["approver"],
                    )

            self.at(day, close)

    # -- summary --------------------------------------------------------------------------

    def _result(self, credentials: list[DemoUser]) -> DemoResult:
        def figures(session: Session) -> tuple[list[dict[str, Any]], Any, int]:
            funds = funds_public(session, list(session.exec(select(Fund).order_by(col(Fund.code)))))
            paid = session.exec(
                select(func.count(), func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
                    Disbursement.status == "paid"
                )
            ).one()
            count = session.exec(select(func.count(col(Recipient.id)))).one()
            return funds, paid, count

        funds, paid, count = self.database.read(figures)
        return DemoResult(
            users=credentials,
            funds=funds,
            recipients=int(count),
            disbursements_paid=int(paid[0]),
            paid_fen=int(paid[1]),
        )


def _run_all(steps: list[Step], session: Session) -> None:
    for step in steps:
        step(session)
