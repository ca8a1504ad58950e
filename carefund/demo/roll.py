"""The demo's roll of members: 1,760 believable people in six categories.

Names, branches, identity numbers (with their check character), addresses and phones are
drawn from the demo's seeded generator, so every run makes the same roll.
"""

import random
from datetime import date
from typing import Any

from carefund.recipients import id_number_check_char
from carefund.vocabulary import MemberCategory

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


def member_rows(rng: random.Random) -> list[tuple[object, dict[str, Any]]]:
    """The roll as import rows (row label, fields), category by category."""
    rows: list[tuple[object, dict[str, Any]]] = []
    seen_ids: set[str] = set()
    number = 0
    for category, count in ROLL.items():
        for _ in range(count):
            number += 1
            female = rng.random() < 0.45
            town = rng.choice(TOWNS)
            fields: dict[str, Any] = {
                "name": _name(rng, female),
                "category": category.value,
                "branch": _branch(rng, category, town),
                "id_number": _id_number(rng, category, female, seen_ids),
                "address": f"{town}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
            }
            phone = _phone(rng, category)
            if phone:
                fields["phone"] = phone
            rows.append((f"DY{number:05d}", fields))
    return rows


def _name(rng: random.Random, female: bool) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    pool = GIVEN_FEMALE if female else GIVEN_MALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


def _branch(rng: random.Random, category: MemberCategory, town: str) -> str:
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


def _id_number(rng: random.Random, category: MemberCategory, female: bool, seen: set[str]) -> str:
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


def _phone(rng: random.Random, category: MemberCategory) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if category is MemberCategory.retired and roll < 0.35:
        return f"0535-6{rng.randint(0, 999_999):06d}"
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
