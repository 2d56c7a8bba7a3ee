"""Value pools for the synthetic source: regions (with their real administrative codes),
and names, streets, e-mail user names and addresses made once per (locale, seed) by Faker,
so that rows draw from them with numpy indices instead of calling Faker per value."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from connectors.sources._synthids import U8, code_table

LOCALES = ("zh_CN", "en_US")
NAME_POOL = 5_000
STREET_POOL = 2_000
USER_POOL = 5_000

# (province, city, district, administrative division code)
REGIONS = (
    ("北京市", "北京市", "东城区", "110101"),
    ("北京市", "北京市", "西城区", "110102"),
    ("北京市", "北京市", "朝阳区", "110105"),
    ("北京市", "北京市", "海淀区", "110108"),
    ("天津市", "天津市", "和平区", "120101"),
    ("上海市", "上海市", "黄浦区", "310101"),
    ("上海市", "上海市", "徐汇区", "310104"),
    ("上海市", "上海市", "浦东新区", "310115"),
    ("重庆市", "重庆市", "渝中区", "500103"),
    ("广东省", "广州市", "越秀区", "440104"),
    ("广东省", "广州市", "天河区", "440106"),
    ("广东省", "深圳市", "福田区", "440304"),
    ("广东省", "深圳市", "南山区", "440305"),
    ("浙江省", "杭州市", "上城区", "330102"),
    ("浙江省", "杭州市", "西湖区", "330106"),
    ("浙江省", "宁波市", "海曙区", "330203"),
    ("江苏省", "南京市", "玄武区", "320102"),
    ("江苏省", "苏州市", "姑苏区", "320508"),
    ("四川省", "成都市", "锦江区", "510104"),
    ("四川省", "成都市", "武侯区", "510107"),
    ("湖北省", "武汉市", "江汉区", "420103"),
    ("湖北省", "武汉市", "武昌区", "420106"),
    ("陕西省", "西安市", "雁塔区", "610113"),
    ("山东省", "济南市", "历下区", "370102"),
    ("山东省", "青岛市", "市南区", "370202"),
    ("福建省", "福州市", "鼓楼区", "350102"),
    ("福建省", "厦门市", "思明区", "350203"),
    ("湖南省", "长沙市", "岳麓区", "430104"),
    ("河南省", "郑州市", "金水区", "410105"),
    ("安徽省", "合肥市", "蜀山区", "340104"),
    ("辽宁省", "沈阳市", "和平区", "210102"),
)
EMAIL_DOMAINS = {
    "zh_CN": ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com"),
    "en_US": ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com"),
}


@dataclass(frozen=True)
class Pools:
    names: pa.Array
    streets: pa.Array  # zh_CN: street names; en_US: whole one-line addresses
    users: pa.Array
    domains: pa.Array
    region_prefixes: pa.Array  # "广东省深圳市南山区", "北京市朝阳区"
    region_digits: U8


def _unique(make: object, count: int, limit: int) -> list[str]:
    """Up to `count` distinct values from `make()`, trying at most `limit` times."""
    assert callable(make)
    seen: dict[str, None] = {}
    for _ in range(limit):
        seen[str(make())] = None
        if len(seen) >= count:
            break
    return list(seen)


@lru_cache(maxsize=8)
def pools(locale: str, seed: int) -> Pools:
    from faker import Faker  # imported here: only the synthetic source needs it

    fake = Faker(locale)
    fake.seed_instance(seed)
    names = _unique(fake.name, NAME_POOL, NAME_POOL * 3)
    users = _unique(fake.user_name, USER_POOL, USER_POOL * 3)
    if locale == "zh_CN":
        streets = _unique(fake.street_name, STREET_POOL, STREET_POOL * 3)
    else:
        streets = [fake.address().replace("\n", ", ") for _ in range(STREET_POOL)]
    prefixes = [p + (c if c != p else "") + d for p, c, d, _ in REGIONS]
    return Pools(
        names=pa.array(names, pa.string()),
        streets=pa.array(streets, pa.string()),
        users=pa.array(users, pa.string()),
        domains=pa.array(EMAIL_DOMAINS[locale], pa.string()),
        region_prefixes=pa.array(prefixes, pa.string()),
        region_digits=code_table([code for *_, code in REGIONS]),
    )


def pick(pool: pa.Array, rng: np.random.Generator, n: int) -> pa.Array:
    return pool.take(pa.array(rng.integers(0, len(pool), n)))
