"""A small labelled corpus of remarks, with and without personal names, and how well the
scrubber does on it (used by test_names_precision.py and bench/names_precision.py).

Names come from Faker (zh_CN, en_US) with a fixed seed and from hand-written sentences;
the name-free sentences are addresses, product descriptions, industry words, ordinary
words that begin with a surname character, company names and English business prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from faker import Faker

from connectors.pii import scrub_texts
from connectors.pii.known_names import KnownNames


@dataclass(frozen=True)
class Sample:
    group: str
    text: str
    names: tuple[str, ...] = ()  # the names in the text, to be replaced
    known: tuple[str, ...] = ()  # names known from another column (passed as known_names)


ZH_CONTEXT = (
    "客户{}电话13812345678，已回访",
    "法人代表{}表示下月还款",
    "联系人：{}，周一上午回电",
    "借款人{}已结清全部欠款",
    "担保人{}同意追加担保",
    "收款人{}，开户行工商银行",
    "经办人{}核实了营业执照",
    "股东{}持股百分之三十",
    "负责人{}外出，下周再访",
    "{}经理说会按时还款",
    "{}女士已提交补充材料",
    "法定代表人{}未到场",
    "老板{}称订单减少",
    "{}先生要求延期一个月",
)
ZH_BARE = (
    "{}说资金周转困难",
    "已与{}确认还款计划",
    "{}来电询问额度",
    "今天{}到店签约",
    "回访时{}表示满意",
    "{}的配偶在外地工作",
    "{}和{}一起来办理",
    "据{}反映，近期订单减少",
)
EN_CONTEXT = (
    "Contact {} about the loan",
    "Signed by {} on 3 May",
    "Attn: {}, finance dept",
    "Legal representative: {}",
    "Payee {}, account ending 1234",
    "Customer {} requested a limit increase",
    "Dr {} confirmed the guarantee",
    "Owner {} will visit the branch",
)
# Names rules alone cannot tell from words; a name column of the same import knows them.
KNOWN_HARD = ("廉洁", "和建平", "蒋想", "申强", "文静", "高明", "Will Grant", "Summer Lee")
KNOWN_TEMPLATES = (
    "{}说资金周转困难",
    "已与{}确认还款计划",
    "回访时{}表示满意",
    "Spoke to the client, {} will pay on Friday",
)

ADDRESSES = (
    "杭州市西湖区文三路478号",
    "经营地址：上海市浦东新区张江路88号3栋",
    "北京市朝阳区建国路88号",
    "广东省深圳市南山区高新南一道9号",
    "店面位于王府井大街东侧",
    "江苏省南京市玄武区中山路1号",
    "厂房在成都市高新区天府大道",
    "四川省成都市武侯区人民南路四段",
    "湖北省武汉市洪山区珞喻路",
    "浙江省温州市鹿城区",
)
PRODUCTS = (
    "销售黄金首饰和钻石饰品",
    "主营李宁牌运动服装",
    "代理华为手机及配件",
    "经营汽车配件、五金交电",
    "生产高压阀门和管件",
    "批发方便面和饮料",
    "石油化工产品贸易",
    "杨梅种植及深加工",
    "主营电线电缆、开关插座",
    "销售万科物业周边产品",
    "经营全家福照相馆",
    "经营农家乐和民宿",
    "代理格力空调、美的冰箱",
    "生产汽车安全气囊",
    "专营宝马汽车维修保养",
)
INDUSTRY = (
    "电子商务",
    "餐饮服务",
    "批发零售",
    "金融服务外包",
    "房地产开发经营",
    "高新技术企业认定",
    "交通运输和仓储",
    "文化艺术培训",
    "建筑安装工程",
    "农林牧渔业",
    "信息技术咨询服务",
    "医疗器械销售",
)
SURNAME_WORDS = (
    "高新区企业享受税收优惠",
    "王府井商圈客流下降",
    "张江科学城项目进展顺利",
    "金融机构贷款余额增长",
    "资金周转困难，申请展期",
    "李宁牌运动鞋销量上升",
    "双方常年合作，信用良好",
    "温度控制设备已更新",
    "安全生产许可证有效",
    "单笔金额在万元以上",
    "应收账款高达500万元",
    "用电高峰期间停产三天",
    "毛利率下降两个百分点",
    "黄金价格上涨带动销售",
    "成本上升，利润下滑",
    "于是决定延期一个月",
    "何时还款尚未确定",
    "向银行申请续贷",
    "马上安排现场核查",
    "周末不营业",
    "钱款已全部到账",
    "外墙为朱红色",
    "宁可延期也不违约",
    "经营状况明显好转",
    "白天营业，晚上关门",
    "已严重逾期九十天",
    "任何时候都可联系",
    "许可证下月到期",
    "获评文明商户",
    "武汉分公司已注销",
    "陆续归还部分欠款",
    "当地龙头企业",
    "田园综合体项目",
    "客户高兴地说经营正常",
    "项目经理已到场",
    "黄金总量未变",
    "客户满意，无投诉",
    "资金总额三百万",
    "经营面积扩大到两千平方米",
    "夏季为销售旺季",
    "江南地区需求旺盛",
    "孙公司负责生产",
    "林业用地承包",
    "易燃易爆物品已清理",
    "严格按照合同执行",
    "房租每年上涨百分之五",
    "华东区域经理已审批",
    "高管团队稳定",
    "申请延期至年底",
)
BUSINESS_REMARKS = (
    "本月营业额较上月持平",
    "库存商品以服装鞋帽为主",
    "门店位于万达广场三楼",
    "计划明年扩建仓库",
    "借款用途为采购原材料",
    "水电费按时缴纳",
    "纳税信用等级为A级",
    "经营场所为自有房产",
    "主要客户为本地超市",
    "与供应商结算周期为三十天",
    "雷雨天气导致停工",
    "葛根粉加工销售",
    "经营范围包括五金、建材",
    "已安装监控设备",
    "贷款到期后续贷",
    "连续三年盈利",
    "石材加工厂",
    "鲁菜餐馆",
    "龙虾养殖基地",
    "孔雀石原料进口",
    "江海联运业务增长",
    "高铁站附近开设分店",
    "温室大棚种植蔬菜",
    "柴油价格上涨",
    "车辆年检合格",
    "牛肉干零售",
    "常规检查无异常",
    "谢绝推销",
    "齐鲁银行放款",
)
EN_PROSE = (
    "The Credit Committee approved the facility on Monday",
    "Quarterly revenue grew 12% year over year",
    "Please contact Customer Service for details",
    "Payment received via wire transfer",
    "Hong Kong branch reviewed the file",
    "New York office will follow up",
    "Bank of China issued a guarantee",
    "Annual Report due in March",
    "Risk Management flagged the account",
    "Signed by the Board of Directors",
    "Owner occupied property, no arrears",
    "Customer reported Late Payment twice",
    "Attention: Accounts Payable",
    "Contact the Relationship Manager for a new limit",
    "Shipment via Shanghai Port delayed",
    "Monthly turnover was stable",
    "The Sales Director approved the discount",
    "Contact us at the front desk",
    "Dear Customer, your statement is ready",
)


def _faker(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def build() -> list[Sample]:
    """The corpus, the same on every run."""
    zh = _faker("zh_CN", 2024)
    en = _faker("en_US", 2024)
    samples: list[Sample] = []
    for template in ZH_CONTEXT:
        for _ in range(6):
            name = zh.name()
            samples.append(Sample("zh names, with context", template.format(name), (name,)))
    for template in ZH_BARE:
        for _ in range(8):
            names = tuple(zh.name() for _ in range(template.count("{}")))
            samples.append(Sample("zh names, no context", template.format(*names), names))
    for template in EN_CONTEXT:
        for i in range(5):
            name = en.name() if i < 4 else ("Zhang Wei", "Li Na", "Chen Jing")[len(samples) % 3]
            samples.append(Sample("latin names, with context", template.format(name), (name,)))
    for template in KNOWN_TEMPLATES:
        for name in KNOWN_HARD:
            samples.append(
                Sample("names known from a column", template.format(name), (name,), (name,))
            )
    for group, texts in (
        ("no names: addresses", ADDRESSES + tuple(zh.address() for _ in range(20))),
        ("no names: products", PRODUCTS),
        ("no names: industries", INDUSTRY),
        ("no names: words with surname characters", SURNAME_WORDS),
        ("no names: business remarks", BUSINESS_REMARKS),
        ("no names: company names", tuple(f"与{zh.company()}签订合同" for _ in range(25))),
        ("no names: english prose", EN_PROSE),
    ):
        samples += [Sample(group, text) for text in texts]
    return samples


@dataclass
class Figures:
    """Counts for one group of samples."""

    sentences: int = 0
    names: int = 0
    names_replaced: int = 0
    person_replacements: int = 0
    wrong_replacements: int = 0  # PERSON replacements that are no name of the sentence
    unsure_cells: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        self.sentences += other.sentences
        self.names += other.names
        self.names_replaced += other.names_replaced
        self.person_replacements += other.person_replacements
        self.wrong_replacements += other.wrong_replacements
        self.unsure_cells += other.unsure_cells
        self.misses += other.misses
        self.wrong += other.wrong

    @property
    def recall(self) -> float:
        return self.names_replaced / self.names if self.names else 1.0

    @property
    def precision(self) -> float:
        right = self.person_replacements - self.wrong_replacements
        return right / self.person_replacements if self.person_replacements else 1.0


def _overlaps(span: str, names: tuple[str, ...]) -> bool:
    return any(span in name or name in span for name in names)


def score(sample: Sample) -> Figures:
    """Scrubs one sample and counts what happened to its names."""
    replaced: list[str] = []

    def remember(entity: str, text: str) -> str:
        if entity == "PERSON":
            replaced.append(text)
        return f"<{entity}>"

    known = KnownNames(sample.known) if sample.known else None
    result = scrub_texts([sample.text], replace=remember, known_names=known)
    out = result.values[0].as_py()
    figures = Figures(sentences=1, names=len(sample.names), unsure_cells=result.unsure_cells)
    for name in sample.names:
        if name in out:
            figures.misses.append(sample.text)
        else:
            figures.names_replaced += 1
    figures.person_replacements = len(replaced)
    wrong = [span for span in replaced if not _overlaps(span, sample.names)]
    figures.wrong_replacements = len(wrong)
    figures.wrong += [f"{sample.text} [{span}]" for span in wrong]
    return figures


def measure(samples: list[Sample]) -> dict[str, Figures]:
    """Figures per group, in the corpus's order, plus "all"."""
    groups: dict[str, Figures] = {}
    total = Figures()
    for sample in samples:
        figures = score(sample)
        groups.setdefault(sample.group, Figures()).add(figures)
        total.add(figures)
    groups["all"] = total
    return groups
