"""Identity values for demo people and organisations: GB 11643 ID numbers, GB 32100 credit
codes, mobile numbers and Chinese personal names. Pure and vectorised (numpy), seeded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
#: GB 32100 character set (no I, O, Z, S, V) and weights of the first 17 characters.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
#: GB 11714 organisation code weights (8 characters; the 9th is its check character).
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])

#: Common surnames with rough relative frequencies (per cent of the population).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
_SURNAME_WEIGHTS = np.concatenate(
    [[7.3, 7.2, 6.9, 5.4, 4.5], np.geomspace(2.5, 0.2, len(SURNAMES) - 5)]
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆峰建国文武志成龙海亮林东毅"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英华兰萍红梅琳雪莉倩婷颖慧佳欣怡琴燕洁蓉月晶丹云"
GIVEN_ANY = "子思梓晨宇雨嘉欣一可诗语佳明俊浩文博睿瑞安乐星"
LATIN_NAMES = (
    "NGUYEN VAN AN",
    "TRAN THI MAI",
    "AUNG KYAW",
    "MAUNG HLA",
    "SOMCHAI SUK",
    "LE VAN HUNG",
    "KHAM LA",
    "PHAM THI LAN",
)
#: Mobile number prefixes in use in mainland China.
MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158]
    + [159, 166, 173, 175, 176, 177, 180, 181, 182, 183, 185, 186, 187, 188, 189, 198, 199]
)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of 17 digits."""
    total = int(np.dot([int(c) for c in first17], ID_WEIGHTS))
    return str(ID_CHECK[total % 11])


def id_numbers(
    regions: np.ndarray,
    birth_dates: np.ndarray,
    male: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """18-character ID numbers: region, birth date (datetime64[D]), sequence, check character.

    Sequence numbers are odd for men and even for women and unique within each (region, birth
    date, gender), so no two numbers are equal (up to 499 people per group).
    """
    n = len(regions)
    regions = np.asarray(regions).astype(str)
    dates = pd.to_datetime(birth_dates).strftime("%Y%m%d").to_numpy().astype(str)
    frame = pd.DataFrame({"r": regions, "d": dates, "m": male})
    group = frame.groupby(["r", "d", "m"], sort=False).ngroup().to_numpy()
    rank = frame.groupby(["r", "d", "m"], sort=False).cumcount().to_numpy()
    if n and rank.max() >= 499:
        raise ValueError("more than 499 people share a region, birth date and gender")
    slot = (rng.integers(0, 499, group.max() + 1 if n else 0)[group] + rank) % 499
    seq = np.where(male, 2 * slot + 1, 2 * slot + 2)  # 001–997 men, 002–998 women
    first = np.char.add(np.char.add(regions, dates), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer("".join(first.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = ID_CHECK[(digits.astype(np.int64) @ ID_WEIGHTS) % 11]
    return np.char.add(first, check)


def _org_codes(n: int, rng: np.random.Generator) -> list[str]:
    """GB 11714 organisation codes: 8 digits and their check character (0–9 or X)."""
    body = rng.integers(0, 10, (n, 8))
    body[:, 0] = rng.integers(3, 10, n)  # avoid leading zeros; looks like issued codes
    c = 11 - (body @ ORG_WEIGHTS) % 11
    check = np.where(c == 10, "X", np.where(c == 11, "0", c.astype(str)))
    return ["".join(map(str, row)) + ch for row, ch in zip(body, check, strict=True)]


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a credit code."""
    values = [CREDIT_CHARS.index(c) for c in first17]
    c = 31 - int(np.dot(values, CREDIT_WEIGHTS)) % 31
    return CREDIT_CHARS[0 if c == 31 else c]


def credit_codes(prefixes: list[str], region: str, rng: np.random.Generator) -> list[str]:
    """18-character unified social credit codes for the given 2-character prefixes.

    A prefix is the registering authority and category (91 company, 92 individual business,
    51 social group, 52 private non-enterprise unit); then region, organisation code, check.
    """
    orgs = _org_codes(len(prefixes), rng)
    out = []
    for prefix, org in zip(prefixes, orgs, strict=True):
        first = f"{prefix}{region}{org}"
        out.append(first + credit_check_char(first))
    return out


def mobiles(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` 11-digit mobile numbers."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    rest = rng.integers(0, 100_000_000, n)
    return np.char.add(prefix.astype(str), np.char.zfill(rest.astype(str), 8))


def person_names(male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Chinese names (surname + one or two given characters) by gender."""
    n = len(male)
    p = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    surnames = np.array(list(SURNAMES))[rng.choice(len(SURNAMES), n, p=p)]
    pools = [np.array(list(GIVEN_FEMALE + GIVEN_ANY)), np.array(list(GIVEN_MALE + GIVEN_ANY))]
    first = np.where(
        male,
        pools[1][rng.integers(0, len(pools[1]), n)],
        pools[0][rng.integers(0, len(pools[0]), n)],
    )
    second = np.where(
        male,
        pools[1][rng.integers(0, len(pools[1]), n)],
        pools[0][rng.integers(0, len(pools[0]), n)],
    )
    second = np.where(rng.random(n) < 0.7, second, "")
    return np.char.add(np.char.add(surnames, first), second)


def latin_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """Names of foreign residents as written on their passports."""
    return np.array(LATIN_NAMES)[rng.integers(0, len(LATIN_NAMES), n)]
