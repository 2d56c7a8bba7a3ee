"""Word lists for the Chinese name and address rules (data only)."""

from __future__ import annotations

# Common single surnames (about 230, in rough frequency order) and compound surnames.
SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳"
    "翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝郜"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "夏侯",
    "长孙",
    "宇文",
    "司徒",
    "端木",
    "轩辕",
    "独孤",
    "南宫",
    "西门",
    "呼延",
)

# Characters common in given names. A name standing alone (no label, no title) must use them.
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞鑫波斌宇浩凯健俊帆帅旭宁"
    "龙林欢佳阳建亮成峰国晨瑞志兵雷东博彬坤岩杨文利楠燕玲丹梅莉珍婷凤晶颖雪慧倩琴畅云洁柳淑"
    "春海冬荣莹琳欣香芝小金瑜花璐子梓涵轩然睿泽一诺怡雨思嘉可馨悦琪萱婉诗晓梦瑶妍茹月冰薇蕾"
    "莎蓉菲琦琼卿岚青清秋霜露虹彤巧美娇媛婕姗娴婧雯莺永新世德家振立正忠义兴良福生元全胜学祥"
    "才发武山中清富顺信昌康星光天达安茂进有坚和彪诚先敬震壮会群豪心邦承乐绍功松善厚庆民友裕"
    "河哲江政谦亨奇固之翰朗伯宏言若鸣朋梁栋维启克伦翔辰士以致树炎行时泰盛雄琛钧冠策腾榕风航"
    "弘惠珠翠雅娥芬彩菊莲真环爱妹凡勤贞娣叶璧娅茜珊锦黛姣瑾婵雁蓓仪荷眉君蕊菁苑瑗琰韵融园艺"
    "咏聪澜纯毓昭爽琬茗羽希飘育滢馥筠柔竹凝霄枫芸寒伊亚宜舒影荔丽妮宝贝程恒鸿桦剑灵晴容烁唯"
    "威韦苇彦宗曼紫逸贤蝶菡儿烟鑫淼森磊垚晖辉煜炜琪琦玮璇瑛佩珮蕙薇芊芮菲萌蒙霖露涵"
)

# Words right before a name that say it is one ("姓名：王伟", "联系人张三").
NAME_LABELS = (
    "法定代表人",
    "法人代表",
    "联系人",
    "负责人",
    "借款人",
    "担保人",
    "持卡人",
    "申请人",
    "经办人",
    "收件人",
    "收货人",
    "开户人",
    "姓名",
    "名字",
    "法人",
    "户主",
    "户名",
    "店主",
    "业主",
)
# Roles that name a person when a name follows right away, with or without a separator
# ("客户张军电话…", "法人代表李建国表示…"), besides the labels above. Too common in remarks to
# count as context further away.
NAME_ROLES = (
    *NAME_LABELS,
    "客户",
    "法定代表",
    "收款人",
    "付款人",
    "委托人",
    "代理人",
    "受益人",
    "投保人",
    "被保险人",
    "保证人",
    "共同借款人",
    "承租人",
    "出租人",
    "股东",
    "老板",
    "配偶",
    "经理",
    "业务员",
    "介绍人",
    "签字人",
)
# Words right after a surname (and given name) that say it is a person.
NAME_TITLES = (
    "先生",
    "女士",
    "小姐",
    "老师",
    "经理",
    "老板",
    "师傅",
    "阿姨",
    "主任",
    "律师",
    "医生",
    "会计",
    "总监",
    "董事长",
    "同志",
)
# "王总" (boss Wang): 总 is a title only right after a surname and not starting a word.
NOT_AFTER_ZONG = "计额量部体共之是数和值结价资产站账监裁线务署局行台算分成"

# Province-level divisions, with and without their suffix.
PROVINCES = (
    r"(?:北京|天津|上海|重庆)市?"
    r"|(?:河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南"
    r"|四川|贵州|云南|陕西|甘肃|青海|台湾)省?"
    r"|(?:内蒙古|广西|西藏|宁夏|新疆)(?:[\u4e00-\u9fff]{0,4}自治区)?"
    r"|(?:香港|澳门)(?:特别行政区)?"
)
# Characters that never sit inside a place name but often right before one ("住在", "位于").
NOT_IN_PLACE = "在住于址是为到从我你他她的了与及或其请将往去至等有"
# Words that often follow a labelled name directly, with no punctuation ("联系人张三电话…").
NAME_FOLLOWERS = (
    "电话",
    "手机",
    "身份",
    "地址",
    "住址",
    "联系",
    "证件",
    "银行",
    "卡号",
    "账号",
    "性别",
    "年龄",
    "先生",
    "女士",
)
# Words right after a name-shaped word that make it a firm's trade name, not a person
# ("戴硕电子科技有限公司", "金承传媒").
ORGANIZATION_WORDS = (
    "有限",
    "公司",
    "集团",
    "控股",
    "科技",
    "技术",
    "传媒",
    "网络",
    "信息",
    "电子",
    "贸易",
    "商贸",
    "实业",
    "文化",
    "物流",
    "建设",
    "建筑",
    "工程",
    "投资",
    "置业",
    "地产",
    "餐饮",
    "酒店",
    "超市",
    "商行",
    "药房",
    "医药",
    "医院",
    "咨询",
    "广告",
    "服饰",
    "食品",
    "设计",
    "教育",
    "制造",
    "机械",
    "能源",
    "环保",
    "生物",
    "装饰",
    "家具",
    "发展",
    "银行",
    "证券",
    "保险",
    "工作室",
)
# Ordinary words the segmenter takes for names (places, brands, trades).
NOT_NAMES = (
    "张江",
    "王府井",
    "李宁",
    "全家福",
    "农家乐",
    "田园",
    "高新",
    "万达",
    "苏宁",
    "华为",
    "国美",
    "金龙鱼",
    "白玉兰",
    "黄金",
    "宋体",
)
